"""Where a Python action's module stands among packages, and where its imports are looked
for: the one rule both the compile-time analyser (pipe_analyse.py, for the keys) and the
runner (pipe_runner.py, for the run) follow, so that a key covers exactly the files the run
imports.
"""

import os


def package_of(path):
    """The dotted package a module file belongs to ("" at top level, from its `__init__.py`
    chain) and the package root: the directory above the top package."""
    parts = []
    d = os.path.dirname(path)
    while os.path.isfile(os.path.join(d, "__init__.py")):
        parts.insert(0, os.path.basename(d))
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return ".".join(parts), d


def search_path(path, root):
    """The directories searched for the module's imports, first first: its package root,
    then the project root."""
    _, base = package_of(path)
    out = [base]
    if os.path.realpath(root) != os.path.realpath(base):
        out.append(root)
    return out
