"""The compile-time reader of Python actions' modules, run once per `pipe check` for all of
a program's Python modules (src/check/py-analyse.ts starts it).

It reads with Python's own `ast` module and never imports the user's code. Standard input
is a JSON object {"root": PROJECT_DIR, "modules": [ABSOLUTE_PATH, ...]}; standard output
is one JSON object (validated on the TypeScript side with zod):

    {"modules": {PATH: {"error": {...}} | {"functions": {NAME: FUNCTION}, "sources": [PATH...]}}}

A function lists its parameters and its return annotation as type trees:
    {"t": "int" | "float" | "bool" | "str" | "file" | "dir" | "none"}
    {"t": "list", "of": TYPE}, {"t": "optional", "of": TYPE}
    {"t": "record", "name": CLASS, "kind": "typeddict" | "dataclass", "fields": [FIELD...]}
    {"t": "unsupported", "text": SOURCE, "why": REASON}
    {"t": "typevar", "name": NAME}   (a generic function: its .pipe signature must be declared)
each with "span": [FILE, START, END] (offsets in UTF-16 code units, as JavaScript counts).
"sources" is the module and the project-local modules it imports, transitively, resolved
as the runner's Python resolves them (pipe_runner.py: the package root of the module's
directory first, then the project root).
"""

import ast
import importlib.util
import json
import os
import sys

# pipe's own directory, which PYTHONSAFEPATH leaves off sys.path, for this one import.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipe_modules import package_of, search_path  # noqa: E402

del sys.path[0]

MAX_BYTES = 8 * 1024 * 1024

TYPING = {"typing", "typing_extensions"}
SCALARS = {"builtins.int": "int", "builtins.float": "float", "builtins.bool": "bool", "builtins.str": "str"}
LISTS = {"builtins.list", "typing.List", "typing.Sequence", "collections.abc.Sequence", "typing.Iterable", "collections.abc.Iterable"}
PATHS = {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"}


DICT = "a dict's keys are not known before the run: use a TypedDict or a @dataclass"
UNMAPPED = {q: DICT for q in ("builtins.dict", "typing.Dict", "typing.Mapping", "collections.abc.Mapping")}
UNMAPPED.update({q: "a tuple has no .pipe equivalent: use a list or a record" for q in ("builtins.tuple", "typing.Tuple")})
OTHER = "pipe maps int, float, bool, str, Path, list[T], T | None, and TypedDict and @dataclass classes"


def typing_name(q):
    """`typing.X` and `typing_extensions.X` are one name."""
    if q and q.startswith("typing_extensions."):
        return "typing." + q[len("typing_extensions."):]
    return q


class Module:
    def __init__(self, path, root):
        self.path = path
        self.root = root
        self.error = None
        self.tree = None
        self.names = {}  # local name -> ("module", dotted) | ("name", dotted module, attr)
        self.classes = {}
        self.functions = {}
        self.imports = []
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                self.error = {"kind": "read", "message": "the module is larger than 8 MiB"}
                return
            self.text = importlib.util.decode_source(data)
        except (OSError, UnicodeDecodeError, SyntaxError) as e:
            self.error = {"kind": "read", "message": str(e)}
            return
        self.lines = [0]
        self.line_text = self.text.splitlines(keepends=True)
        for line in self.line_text:
            self.lines.append(self.lines[-1] + utf16_len(line))
        try:
            self.tree = ast.parse(self.text, filename=path, type_comments=False)
        except SyntaxError as e:
            line = e.lineno or 1
            col = max((e.offset or 1) - 1, 0)
            start = self.char_offset(line, col)
            self.error = {"kind": "syntax", "message": e.msg, "span": [path, start, start + 1]}
            return
        except (ValueError, RecursionError) as e:
            self.error = {"kind": "syntax", "message": str(e), "span": [path, 0, 1]}
            return
        self.package, _ = package_of(path)
        self.typevars = set()
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
                f = node.value.func
                if (isinstance(f, ast.Name) and f.id == "TypeVar") or (isinstance(f, ast.Attribute) and f.attr == "TypeVar"):
                    self.typevars.add(node.targets[0].id)
            if isinstance(node, ast.ClassDef):
                self.classes[node.name] = node
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.imports.append((a.name, None, 0))
                    if node in self.tree.body:
                        if a.asname:
                            self.names[a.asname] = ("module", a.name)
                        else:
                            top = a.name.split(".")[0]
                            self.names[top] = ("module", top)
            elif isinstance(node, ast.ImportFrom):
                base = self.absolute(node.module, node.level)
                if base is None:
                    continue
                for a in node.names:
                    self.imports.append((base, a.name, node.level))
                    if node in self.tree.body and a.name != "*":
                        self.names[a.asname or a.name] = ("name", base, a.name)

    def absolute(self, module, level):
        if level == 0:
            return module
        parts = self.package.split(".") if self.package else []
        if level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (level - 1)]
        if module:
            base.append(module)
        return ".".join(base)

    def char_offset(self, line, col_chars):
        if line - 1 >= len(self.line_text):
            return self.lines[-1]
        return self.lines[line - 1] + utf16_len(self.line_text[line - 1][:col_chars])

    def offset(self, line, col_bytes):
        if line - 1 >= len(self.line_text):
            return self.lines[-1]
        prefix = self.line_text[line - 1].encode("utf-8")[:col_bytes].decode("utf-8", "replace")
        return self.lines[line - 1] + utf16_len(prefix)

    def span(self, node):
        start = self.offset(node.lineno, node.col_offset)
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_col = getattr(node, "end_col_offset", None)
        end = self.offset(end_line, end_col) if end_col is not None else start + 1
        return [self.path, start, max(end, start + 1)]


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def find_module(dotted, dirs):
    """The files `import dotted` executes from a project directory (each package's `__init__.py`, then the module)."""
    parts = dotted.split(".")
    for d in dirs:
        files = []
        here = d
        for i, part in enumerate(parts):
            pkg = os.path.join(here, part)
            init = os.path.join(pkg, "__init__.py")
            last = i == len(parts) - 1
            if os.path.isfile(init):
                files.append(init)
                here = pkg
                continue
            if last and os.path.isfile(pkg + ".py"):
                files.append(pkg + ".py")
                return files
            if os.path.isdir(pkg) and not last:
                here = pkg  # a namespace package
                continue
            files = None
            break
        if files:
            return files
    return None


class Analyser:
    def __init__(self, root):
        self.root = root
        self.modules = {}
        self.expanding = []  # the records being read, to refuse one that contains itself

    def module(self, path):
        path = os.path.abspath(path)
        if path not in self.modules:
            self.modules[path] = Module(path, self.root)
        return self.modules[path]

    def resolve_import(self, mod, dotted):
        return find_module(dotted, search_path(mod.path, self.root))

    def local_imports(self, mod):
        found = []
        for base, name, _level in mod.imports:
            files = self.resolve_import(mod, base) if base else None
            if files:
                found.extend(files)
                if name and name != "*":
                    sub = self.resolve_import(mod, base + "." + name)
                    if sub:
                        found.extend(sub)
        return found

    def sources(self, path):
        seen = set()
        todo = [os.path.abspath(path)]
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            m = self.module(p)
            if m.tree is not None:
                todo.extend(self.local_imports(m))
        return sorted(seen)

    # ---- names ----

    def qualify(self, mod, node):
        """The qualified name of a Name or Attribute in `mod`: ("qual", "typing.Optional") or ("class", module, ClassDef)."""
        if isinstance(node, ast.Name):
            if node.id in getattr(mod, "typevars", ()):
                return ("typevar", node.id)
            if node.id in mod.classes:
                return ("class", mod, mod.classes[node.id])
            if node.id in mod.names:
                entry = mod.names[node.id]
                if entry[0] == "module":
                    return ("qual", entry[1])
                _, base, attr = entry
                files = self.resolve_import(mod, base)
                if files:
                    target = self.module(files[-1])
                    if attr in target.classes:
                        return ("class", target, target.classes[attr])
                    sub = self.resolve_import(mod, base + "." + attr)
                    if sub:
                        return ("qual", base + "." + attr)
                    if attr in target.names:  # re-exported
                        return self.qualify(target, ast.Name(id=attr))
                return ("qual", typing_name(base + "." + attr))
            return ("qual", "builtins." + node.id)
        if isinstance(node, ast.Attribute):
            inner = self.qualify(mod, node.value)
            if inner and inner[0] == "qual":
                q = inner[1] + "." + node.attr
                files = self.resolve_import(mod, inner[1]) if not inner[1].startswith("builtins.") else None
                if files:
                    target = self.module(files[-1])
                    if node.attr in target.classes:
                        return ("class", target, target.classes[node.attr])
                return ("qual", typing_name(q))
        return None

    # ---- hints ----

    def hint(self, mod, node, field_of=None, depth=0):
        span = mod.span(node)
        bad = lambda why: {"t": "unsupported", "text": unparse(node), "why": why, "span": span}
        if depth > 40:
            return bad("it is nested too deeply")
        if isinstance(node, ast.Constant):
            if node.value is None:
                return {"t": "none", "span": span}
            if isinstance(node.value, str):
                try:
                    inner = ast.parse(node.value.strip(), mode="eval").body
                except SyntaxError:
                    return bad("the string is not a type")
                t = self.hint(mod, inner, field_of, depth + 1)
                return relocate(t, span)
            return bad("a constant is not a type")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.union(mod, [node.left, node.right], node, depth)
        if isinstance(node, (ast.Name, ast.Attribute)):
            q = self.qualify(mod, node)
            if q is None:
                return bad("it is not a type name")
            if q[0] == "typevar":
                return {"t": "typevar", "name": q[1], "span": span}
            if q[0] == "class":
                return self.record(q[1], q[2], span, depth)
            name = q[1]
            if name in SCALARS:
                return {"t": SCALARS[name], "span": span}
            if name in PATHS:
                return {"t": "file", "span": span}
            if name in LISTS:
                return bad("a list needs its element type: `list[T]`")
            if name == "typing.Any":
                return bad("`Any` says nothing a task can be checked against")
            return bad(UNMAPPED.get(name, OTHER))
        if isinstance(node, ast.Subscript):
            q = self.qualify(mod, node.value)
            if q and q[0] == "class":  # a generic record, `Best[T]`: its fields say what T is
                return self.record(q[1], q[2], span, depth)
            name = q[1] if q and q[0] == "qual" else None
            args = node.slice
            if isinstance(args, ast.Index):  # Python 3.8
                args = args.value
            items = list(args.elts) if isinstance(args, ast.Tuple) else [args]
            if name in LISTS and len(items) == 1:
                return {"t": "list", "of": self.hint(mod, items[0], None, depth + 1), "span": span}
            if name == "typing.Optional" and len(items) == 1:
                return {"t": "optional", "of": self.hint(mod, items[0], None, depth + 1), "span": span}
            if name == "typing.Union":
                return self.union(mod, items, node, depth)
            if name in ("typing.NotRequired", "typing.Required") and field_of == "typeddict" and len(items) == 1:
                t = self.hint(mod, items[0], None, depth + 1)
                return {"t": "optional", "of": t, "span": span} if name == "typing.NotRequired" else t
            if name == "typing.Annotated" and len(items) >= 2:
                t = self.hint(mod, items[0], field_of, depth + 1)
                meta = [m.value for m in items[1:] if isinstance(m, ast.Constant)]
                if "dir" in meta:
                    if t.get("t") == "file":
                        return {"t": "dir", "span": span}
                    if t.get("t") == "optional" and t["of"].get("t") == "file":
                        return {"t": "optional", "of": {"t": "dir", "span": span}, "span": span}
                    return bad('`Annotated[..., "dir"]` is for a `Path`')
                return t
            return bad(UNMAPPED.get(name, OTHER))
        return bad("it is not a type")

    def union(self, mod, members, node, depth):
        span = mod.span(node)
        flat = []
        stack = list(members)
        while stack:
            m = stack.pop(0)
            if isinstance(m, ast.BinOp) and isinstance(m.op, ast.BitOr):
                stack[:0] = [m.left, m.right]
            else:
                flat.append(m)
        types = [self.hint(mod, m, None, depth + 1) for m in flat]
        bad = [t for t in types if t["t"] == "unsupported"]
        if bad:
            return bad[0]
        real = [t for t in types if t["t"] != "none"]
        if len(real) == 1:
            return {"t": "optional", "of": real[0], "span": span} if len(real) < len(types) else real[0]
        return {"t": "unsupported", "text": unparse(node), "why": "a union of different types has no .pipe equivalent", "span": span}

    def record(self, mod, cls, span, depth):
        here = (mod.path, cls.name)
        if here in self.expanding:
            return {"t": "unsupported", "text": cls.name, "why": "a record that contains itself has no .pipe equivalent", "span": span}
        self.expanding.append(here)
        try:
            return self.record_fields(mod, cls, span, depth)
        finally:
            self.expanding.pop()

    def record_fields(self, mod, cls, span, depth):
        kind = self.class_kind(mod, cls)
        if kind is None:
            return {"t": "unsupported", "text": cls.name, "why": "a class is a record only as a TypedDict or a @dataclass", "span": span}
        fields = []
        for owner, c in self.class_chain(mod, cls):
            total = True
            for kw in c.keywords:
                if kw.arg == "total" and isinstance(kw.value, ast.Constant) and kw.value.value is False:
                    total = False
            for item in c.body:
                if not isinstance(item, ast.AnnAssign) or not isinstance(item.target, ast.Name):
                    continue
                ann = item.annotation
                q = self.qualify(owner, ann.value if isinstance(ann, ast.Subscript) else ann)
                if q and q[0] == "qual" and q[1] in ("typing.ClassVar", "dataclasses.InitVar"):
                    continue
                t = self.hint(owner, ann, kind, depth + 1)
                if kind == "typeddict" and not total and t["t"] != "optional":
                    t = {"t": "optional", "of": t, "span": t["span"]}
                fields = [f for f in fields if f["name"] != item.target.id]
                fields.append({"name": item.target.id, "type": t, "default": item.value is not None, "span": owner.span(item)})
        return {"t": "record", "name": cls.name, "kind": kind, "fields": fields, "span": span, "decl": mod.span(cls)}

    def class_chain(self, mod, cls, depth=0):
        """The class and its record bases, base first (their fields come first, as Python orders them)."""
        chain = []
        for b in cls.bases:
            q = self.qualify(mod, b)
            if q and q[0] == "class" and depth < 20:
                chain.extend(self.class_chain(q[1], q[2], depth + 1))
        chain.append((mod, cls))
        return chain

    def class_kind(self, mod, cls, depth=0):
        for d in cls.decorator_list:
            target = d.func if isinstance(d, ast.Call) else d
            q = self.qualify(mod, target)
            if q and q[0] == "qual" and q[1] in ("dataclasses.dataclass", "builtins.dataclass"):
                return "dataclass"
        for b in cls.bases:
            q = self.qualify(mod, b)
            if q and q[0] == "qual" and q[1] == "typing.TypedDict":
                return "typeddict"
            if q and q[0] == "class" and depth < 20:
                kind = self.class_kind(q[1], q[2], depth + 1)
                if kind == "typeddict":
                    return kind
        return None

    # ---- functions ----

    def function(self, mod, fn):
        params = []
        a = fn.args
        positional = list(getattr(a, "posonlyargs", [])) + list(a.args)
        n_defaults = len(a.defaults)
        problems = []
        for i, p in enumerate(positional):
            has_default = i >= len(positional) - n_defaults
            kind = "positional-only" if i < len(getattr(a, "posonlyargs", [])) else "keyword"
            params.append(self.param(mod, p, has_default, kind))
        if a.vararg:
            problems.append({"what": "*" + a.vararg.arg, "span": mod.span(a.vararg)})
        for p, d in zip(a.kwonlyargs, a.kw_defaults):
            params.append(self.param(mod, p, d is not None, "keyword"))
        returns = self.hint(mod, fn.returns) if fn.returns is not None else None
        return {
            "name": fn.name,
            "async": isinstance(fn, ast.AsyncFunctionDef),
            "span": name_span(mod, fn),
            "params": params,
            "returns": returns,
            "problems": problems,
        }

    def param(self, mod, p, has_default, kind):
        t = self.hint(mod, p.annotation) if p.annotation is not None else None
        return {"name": p.arg, "type": t, "default": has_default, "kind": kind, "span": mod.span(p)}


def name_span(mod, fn):
    """The function's name in its `def` line."""
    line = mod.line_text[fn.lineno - 1] if fn.lineno - 1 < len(mod.line_text) else ""
    col = line.find(fn.name, line.find("def"))
    if col < 0:
        return mod.span(fn)
    start = mod.char_offset(fn.lineno, col)
    return [mod.path, start, start + utf16_len(fn.name)]


def relocate(t, span):
    """A type parsed from a string annotation points at the string."""
    if isinstance(t, dict):
        t = dict(t)
        if "span" in t:
            t["span"] = span
        for k in ("of",):
            if k in t:
                t[k] = relocate(t[k], span)
    return t


def unparse(node):
    try:
        return ast.unparse(node)
    except Exception:
        return "?"


def main():
    request = json.load(sys.stdin)
    analyser = Analyser(os.path.abspath(request["root"]))
    out = {}
    for path in request["modules"]:
        mod = analyser.module(path)
        if mod.error:
            out[path] = {"error": mod.error}
            continue
        functions = {name: analyser.function(mod, fn) for name, fn in mod.functions.items()}
        sources = analyser.sources(path)
        # An imported module that does not parse breaks the task at run time: say so now.
        broken = [analyser.modules[s] for s in sources if s != mod.path and analyser.modules[s].error]
        entry = {"functions": functions, "sources": sources}
        if broken:
            entry["importError"] = dict(broken[0].error, file=broken[0].path)
        out[path] = entry
    json.dump({"modules": out}, sys.stdout)


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    main()
