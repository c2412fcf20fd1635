"""The program a task runs for a Python action (src/plan/script.ts writes the call):

    PYTHON pipe_runner.py <module.py> <function> <args.json> <out-dir> <output-types-json> [<output-files-json>]

<args.json> holds {"args": {...}, "inputs": [...]} as the plan records them: `{"$path"}` a
project-relative input, `{"$record"}` a record, `{"$ref"}` an upstream output that is read
here from the store (PIPE_STORE), `null` an absent optional. <output-types-json> maps each
output to its .pipe type (`{"index": "Int", "best": "{lr: Float}"}`); <output-files-json>
the file names of outputs that declare one (`{"model": "model.npz"}`).

The runner imports the module (its package root first on `sys.path`, then the project
root: the rule the compile-time analyser followed for the keys), calls the function with
keyword arguments (`File`/`Dir` as absolute `pathlib.Path`s, records as dicts or as the
parameter's dataclass, an absent optional left to the function's default), with its
working directory a fresh directory of its own (`<out-dir>/.work`, also its TMPDIR), and
checks what it returns (a dict or a dataclass instance) against the outputs. Each output
is written to `<out-dir>/<name>`: scalars as text, lists and records as JSON, a returned
path made in the work directory moved, any other path (one that existed before the call)
copied, never moved. A Python exception prints its traceback, then one line `error: ...`,
and exits 1; a wrong invocation exits 2.
"""

# Everything the runner uses is imported before the user's directories go on sys.path, so
# that a user's module named like one of Python's own (`select.py`) cannot replace it.
import dataclasses
import importlib
import importlib.util
import inspect
import json
import math
import numbers
import os
import select  # noqa: F401 (asyncio and subprocess need the real one)
import shutil
import sys
import tempfile
import traceback
import typing
from collections.abc import Mapping
from pathlib import Path

# pipe's own directory, which PYTHONSAFEPATH leaves off sys.path, for this one import.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipe_modules import package_of, search_path  # noqa: E402

del sys.path[0]

USAGE = "usage: pipe_runner.py <module.py> <function> <args.json> <out-dir> <output-types-json> [<output-files-json>]"


class Failure(Exception):
    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


# ---- .pipe types, as the plan spells them (check/types.ts, `show`) ----


def parse_type(text):
    text = text.strip()
    if text.endswith("?"):
        return ("optional", parse_type(text[:-1]))
    if text.startswith("List[") and text.endswith("]"):
        return ("list", parse_type(text[5:-1]))
    if text.startswith("{") and text.endswith("}"):
        fields = {}
        for part in split_top(text[1:-1]):
            name, _, t = part.partition(":")
            fields[name.strip()] = parse_type(t)
        return ("record", fields)
    if text in ("Int", "Float", "Bool", "String", "File", "Dir"):
        return (text,)
    raise Failure("unknown output type " + text, 2)


def split_top(text):
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:])
    return parts


def show(t):
    if t[0] == "optional":
        return show(t[1]) + "?"
    if t[0] == "list":
        return "List[" + show(t[1]) + "]"
    if t[0] == "record":
        return "{" + ", ".join(k + ": " + show(v) for k, v in t[1].items()) + "}"
    return t[0]


# ---- arguments ----


def scalar_value(stored):
    nul = stored.find("\0")
    if nul >= 0:
        stored = stored[:nul]
    return stored.rstrip("\n")


def read_upstream(path, t):
    kind = t[0]
    if kind in ("File", "Dir"):
        return Path(path)
    if kind == "list" and t[1][0] in ("File", "Dir"):
        return [Path(path, name) for name in sorted(os.listdir(path))]
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    if kind in ("list", "record", "optional"):
        return json.loads(text)
    value = scalar_value(text)
    if kind == "Int":
        return int(value.strip())
    if kind == "Float":
        return float(value.strip())
    if kind == "Bool":
        return value.strip() == "true"
    return value


def resolve_args(data, store):
    inputs = {}
    for i in data.get("inputs", []):
        inputs[(i["task"], i["output"], ".".join(i.get("fields") or []))] = i

    def resolve(v):
        if isinstance(v, list):
            return [resolve(x) for x in v]
        if not isinstance(v, dict):
            return v
        if isinstance(v.get("$path"), str):
            return Path(os.path.abspath(v["$path"]))
        if isinstance(v.get("$record"), dict):
            return {k: resolve(x) for k, x in v["$record"].items()}
        if isinstance(v.get("$ref"), str):
            fields = v.get("fields") or []
            i = inputs.get((v["$ref"], v.get("output"), ".".join(fields)))
            if i is None:
                raise Failure("no input for %s.%s" % (v["$ref"], v.get("output")), 2)
            if not store:
                raise Failure("PIPE_STORE is not set", 2)
            value = read_upstream(os.path.join(store, i["key"], i.get("file") or i["output"]), parse_type(i.get("outputType") or i["type"]))
            for name in fields:  # a projection: a record's field, or that field of each element
                value = field_of(value, name)
            return value
        return {k: resolve(x) for k, x in v.items()}

    return {k: resolve(v) for k, v in data["args"].items()}


def field_of(v, name):
    if isinstance(v, dict):
        return v.get(name)
    if isinstance(v, list):
        return [field_of(x, name) for x in v]
    return None


def coerce(value, hint):
    """A value shaped for the function's own hint: a float for `float`, the dataclass for a dataclass."""
    if value is None or hint is None:
        return value
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return coerce(value, typing.get_args(hint)[0])
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if origin in (list, typing.List) or (origin is not None and getattr(origin, "__name__", "") in ("Sequence", "Iterable")):
        args = typing.get_args(hint)
        return [coerce(v, args[0] if args else None) for v in value]
    if origin is typing.Union or type(hint).__name__ == "UnionType":
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        return coerce(value, members[0]) if len(members) == 1 else value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        try:
            hints = typing.get_type_hints(hint, include_extras=True)
        except Exception:
            hints = {}
        return hint(**{k: coerce(v, hints.get(k)) for k, v in value.items()})
    if isinstance(hint, type) and issubclass(hint, dict) and isinstance(value, dict) and hasattr(hint, "__annotations__"):
        try:
            hints = typing.get_type_hints(hint, include_extras=True)
        except Exception:
            hints = {}
        return {k: coerce(v, hints.get(k)) for k, v in value.items()}
    return value


# ---- the module ----


def load(module_path, project):
    module_path = os.path.abspath(module_path)
    package, _ = package_of(module_path)
    for d in reversed(search_path(module_path, project)):
        if d in sys.path:
            sys.path.remove(d)
        sys.path.insert(0, d)
    stem = os.path.splitext(os.path.basename(module_path))[0]
    if package:
        return importlib.import_module(package + "." + stem)
    # A module named like one of Python's own (`select.py`) is still the user's.
    name = stem
    if name in sys.modules or name in getattr(sys, "stdlib_module_names", ()):
        name = "_pipe_action_" + stem
    spec = importlib.util.spec_from_file_location(name, module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---- outputs ----


def check_value(name, t, v, where):
    """A returned structured value as JSON data, or a Failure naming the first bad place."""
    kind = t[0]
    bad = lambda: Failure("returned %s for %s, which is not %s" % (short(v), where, article(show(t))))
    if kind == "optional":
        return None if v is None else check_value(name, t[1], v, where)
    if kind == "Int":
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise bad()
        return int(v)
    if kind == "Float":
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise bad()
        return float(v)
    if kind == "Bool":
        if type(v).__name__ not in ("bool", "bool_"):
            raise bad()
        return bool(v)
    if kind == "String":
        if not isinstance(v, str):
            raise bad()
        return v
    if kind == "list":
        if isinstance(v, (str, bytes, dict)) or not hasattr(v, "__iter__"):
            raise bad()
        return [check_value(name, t[1], x, "%s[%d]" % (where, i)) for i, x in enumerate(v)]
    if kind == "record":
        v = as_mapping(v)
        if v is None:
            raise bad()
        out = {}
        for field, ft in t[1].items():
            if field not in v:
                if ft[0] == "optional":
                    out[field] = None
                    continue
                raise Failure("returned no field `%s` in %s" % (field, where))
            out[field] = check_value(name, ft, v[field], where + "." + field)
        extra = [k for k in v if k not in t[1]]
        if extra:
            raise Failure("returned field `%s` in %s, which its type does not have" % (extra[0], where))
        return out
    raise bad()


def article(t):
    return ("an " if t[0] in "AEIOU" else "a ") + t


def short(v):
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


def as_mapping(v):
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
    if isinstance(v, Mapping):
        return dict(v)
    return None


def float_text(x):
    # As Python prints floats (`1.0`, `1e-05`, `nan`, `inf`): what .pipe reads back.
    return repr(float(x))


def write_outputs(result, types, out, work, files=None):
    if result is None and not types:
        return
    values = as_mapping(result)
    if values is None:
        raise Failure("returned %s, not a dict or a dataclass instance of outputs" % type(result).__name__)
    missing = [n for n in sorted(types) if values.get(n) is None]
    if missing:
        raise Failure("returned no value for output " + ", ".join("`%s`" % n for n in missing))
    extra = [n for n in values if n not in types and values[n] is not None]
    if extra:
        raise Failure("returned " + ", ".join("`%s`" % n for n in extra) + ", which the action does not declare as outputs")
    real_work = os.path.realpath(work)
    for name in sorted(types):
        t = types[name]
        v = values[name]
        # An output with a file name (`model: File = "model.npz"`) is stored under it.
        target = os.path.join(out, (files or {}).get(name, name))
        where = "output `%s`" % name
        if t[0] in ("File", "Dir"):
            put_path(v, t[0], target, real_work, where)
        elif t[0] == "list" and t[1][0] in ("File", "Dir"):
            if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
                raise Failure("returned %s for %s, which is not a list of paths" % (short(v), where))
            os.makedirs(target, exist_ok=True)
            for i, p in enumerate(v):
                entry = os.path.basename(os.fspath(p)) if isinstance(p, (str, os.PathLike)) else ""
                if not entry or os.path.lexists(os.path.join(target, entry)):
                    raise Failure("returned %s for %s[%d]: a list of files needs paths with distinct names" % (short(p), where, i))
                put_path(p, t[1][0], os.path.join(target, entry), real_work, "%s[%d]" % (where, i))
        elif t[0] in ("list", "record"):
            data = check_value(name, t, v, where)
            with open(target, "w", encoding="utf-8") as f:
                json.dump(data, f)
        else:
            value = check_value(name, t, v, where)
            text = float_text(value) if t[0] == "Float" else ("true" if value else "false") if t[0] == "Bool" else str(value)
            with open(target, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)


def put_path(v, kind, target, real_work, where):
    if not isinstance(v, (str, os.PathLike)) or os.fspath(v) == "":
        raise Failure("returned %s for %s, which must be a path" % (short(v), where))
    p = os.path.abspath(os.fspath(v))
    if kind == "File" and not os.path.isfile(p):
        raise Failure("returned %s for %s, but %s" % (short(v), where, "no such file exists" if not os.path.exists(p) else "it is not a file"))
    if kind == "Dir" and not os.path.isdir(p):
        raise Failure("returned %s for %s, but %s" % (short(v), where, "no such directory exists" if not os.path.exists(p) else "it is not a directory"))
    real = os.path.realpath(p)
    made = real != real_work and real.startswith(real_work + os.sep)
    if os.path.lexists(target):
        shutil.rmtree(target) if os.path.isdir(target) and not os.path.islink(target) else os.remove(target)
    if made and not (kind == "Dir" and holds_symlink(real)):
        os.rename(real, target)
    elif kind == "Dir":
        shutil.copytree(real, target, symlinks=False)
    else:
        shutil.copyfile(real, target)


def holds_symlink(d):
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            if os.path.islink(os.path.join(root, n)):
                return True
    return False


# ---- the call ----


def where_raised(tb, module_path):
    """The innermost frame of the exception inside the user's files: `select.py:12`."""
    frames = traceback.extract_tb(tb)
    runner = os.path.abspath(__file__)
    mine = [f for f in frames if os.path.abspath(f.filename) != runner]
    if not mine:
        return ""
    f = mine[-1]
    shown = os.path.relpath(f.filename, os.environ.get("PIPE_PROJECT") or os.getcwd())
    return " (at %s:%d)" % (f.filename if shown.startswith("..") else shown, f.lineno)


def print_user_traceback(e):
    """The traceback from the user's first frame: the runner's own frames are noise in a task's log."""
    tb = e.__traceback__
    here = os.path.abspath(__file__)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == here:
        tb = tb.tb_next
    traceback.print_exception(type(e), e, tb)


def main(argv):
    if len(argv) not in (5, 6):
        raise Failure(USAGE, 2)
    module_path, function, args_file, out, types_json = argv[:5]
    try:
        files = json.loads(argv[5]) if len(argv) == 6 else {}
    except ValueError as e:
        raise Failure("output file names must be a JSON object: %s" % e, 2)
    try:
        types = {k: parse_type(v) for k, v in json.loads(types_json).items()}
    except (ValueError, AttributeError) as e:
        raise Failure("output types must be a JSON object of .pipe types: %s" % e, 2)
    try:
        with open(args_file, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise Failure("cannot read the arguments: %s" % e, 2)
    if not isinstance(data, dict) or not isinstance(data.get("args"), dict):
        raise Failure("%s must hold {\"args\": {...}, \"inputs\": [...]}" % args_file, 2)
    project = os.getcwd()
    try:
        args = resolve_args(data, os.environ.get("PIPE_STORE", ""))
    except (OSError, ValueError) as e:
        raise Failure("cannot read the arguments' upstream values: %s" % e)
    shown = os.path.relpath(module_path, project)
    label = "%s#%s" % (shown, function)

    work = os.path.join(os.path.abspath(out), ".work")
    os.makedirs(work)
    try:
        try:
            module = load(module_path, project)
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            print_user_traceback(e)
            raise Failure("cannot import %s: %s: %s%s" % (shown, type(e).__name__, one_line(e), where_raised(e.__traceback__, module_path)))
        fn = getattr(module, function, None)
        if not callable(fn):
            raise Failure("%s has no function `%s`" % (shown, function))
        kwargs = call_arguments(fn, args)
        os.chdir(work)
        os.environ["TMPDIR"] = work
        tempfile.tempdir = work
        try:
            result = fn(**kwargs)
            if hasattr(result, "__await__"):
                import asyncio

                async def wait(r):
                    return await r

                result = asyncio.run(wait(result))
        except Exception as e:
            print_user_traceback(e)
            raise Failure("%s raised %s: %s%s" % (label, type(e).__name__, one_line(e), where_raised(e.__traceback__, module_path)))
        try:
            write_outputs(result, types, os.path.abspath(out), work, files)
        except Failure as e:
            raise Failure("%s %s" % (label, e))
        except OSError as e:
            raise Failure("cannot write the outputs of %s: %s" % (label, e))
    finally:
        os.chdir(project)
        shutil.rmtree(work, ignore_errors=True)


def call_arguments(fn, args):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return args
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:
        hints = {}
    kwargs = {}
    for name, value in args.items():
        p = sig.parameters.get(name)
        # An absent optional leaves the function's own default in place.
        if value is None and p is not None and p.default is not inspect.Parameter.empty:
            continue
        kwargs[name] = coerce(value, hints.get(name))
    return kwargs


def one_line(e):
    text = " ".join(str(e).split())
    return text if text else "(no message)"


if __name__ == "__main__":
    # The runner's own directory must not shadow the user's modules.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    try:
        main(sys.argv[1:])
    except Failure as failure:
        sys.stdout.flush()
        sys.stderr.write("error: %s\n" % failure)
        sys.stderr.flush()
        os._exit(failure.status)
    sys.stdout.flush()
    sys.stderr.flush()
    # As the TypeScript runner does: a thread the action left running must not keep the task alive.
    os._exit(0)
