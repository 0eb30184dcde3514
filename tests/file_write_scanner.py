"""Finds the calls in a Python module that write, create, remove or re-own host files (tests/test_file_writes_are_confined.py).

A static scan with ``ast``: it cannot know types, so it recognises the calls by their names —
``open`` with a write mode, ``os.open`` with a write flag, ``os``/``shutil`` functions that change the
file system, ``tarfile``/``gzip``/``lzma``/``bz2.open`` for writing, and the ``pathlib.Path`` methods
that do. A method call on a :class:`ConfinedDir` (genpack_tui.engine.runtime.confined) has the same
names (``write_text``, ``mkdir``, ``unlink``...) and is safe: receivers are recognised as ConfinedDirs
when the module binds them from ``ConfinedDir(...)``, ``<ConfinedDir>.subdir(...)``, ``confined(...)``
(engine/runtime/work_area.py) or annotates them as ``ConfinedDir``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

OS_WRITES = frozenset({
    "replace", "rename", "renames", "unlink", "remove", "rmdir", "removedirs", "mkdir", "makedirs", "chmod",
    "lchmod", "chown", "lchown", "symlink", "link", "truncate", "mkfifo", "mknod",
})
SHUTIL_WRITES = frozenset({"rmtree", "copy", "copy2", "copyfile", "copytree", "copymode", "copystat", "move", "chown"})
PATH_WRITES = frozenset({
    "write_text", "write_bytes", "touch", "mkdir", "unlink", "rename", "replace", "symlink_to", "hardlink_to",
    "chmod", "lchmod", "rmdir",
})
WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"})
ARCHIVE_MODULES = frozenset({"tarfile", "gzip", "lzma", "bz2"})
CONFINED_FACTORIES = frozenset({"ConfinedDir", "subdir", "confined"})


@dataclass(frozen=True)
class Write:
    module: str  # path relative to the repository
    function: str  # qualified name of the enclosing function ("<module>" at top level)
    kind: str  # e.g. "os.unlink", "Path.write_text", "open(w)", "os.open(write flags)"
    line: int

    def where(self) -> str:
        return f"{self.module}:{self.line} in {self.function}: {self.kind}"


def _name(node: ast.AST) -> str | None:
    """``a``, ``a.b`` or ``self.a`` as text, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _called(node: ast.AST) -> str | None:
    """The last name of what is called: ``ConfinedDir`` for ``ConfinedDir(...)``, ``subdir`` for ``x.subdir(...)``."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of one scope (a module or function body, its arguments) without those of nested scopes."""
    found: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = scope.args
        found += [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return found


def _confined_names(scope: ast.AST) -> set[str]:
    """Names bound to a ConfinedDir in this scope (a name from an enclosing scope is inherited by the caller)."""
    names: set[str] = set()

    def bind(target: ast.AST) -> None:
        text = _name(target)
        if text is not None:
            names.add(text)

    for node in _own_nodes(scope):
        if isinstance(node, ast.Assign) and _called(node.value) in CONFINED_FACTORIES:
            for target in node.targets:
                if isinstance(target, ast.Tuple) and target.elts:  # directory, relative = confined(path)
                    bind(target.elts[0])
                else:
                    bind(target)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None and _called(item.context_expr) in CONFINED_FACTORIES:
                    bind(item.optional_vars)
        elif isinstance(node, (ast.arg, ast.AnnAssign)):
            annotation = node.annotation
            text = annotation.value if isinstance(annotation, ast.Constant) else _name(annotation) if annotation else None
            if isinstance(text, str) and text.split(".")[-1] == "ConfinedDir":
                bind(ast.Name(node.arg) if isinstance(node, ast.arg) else node.target)
    return names


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _mode(call: ast.Call, index: int) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == "mode":
            return keyword.value
    return call.args[index] if len(call.args) > index else None


def _writes_mode(node: ast.AST | None, default: str = "r") -> bool:
    if node is None:
        return any(c in default for c in "wax+")
    text = _literal(node)
    return text is None or any(c in text for c in "wax+")  # a mode computed at run time counts as a write


def _write_flags(node: ast.AST | None) -> bool:
    if node is None:
        return False
    found = {n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(node)
             if isinstance(n, (ast.Attribute, ast.Name))}
    if isinstance(node, (ast.Name, ast.Call, ast.Subscript)) and not (found & WRITE_FLAGS):
        return True  # flags computed elsewhere: cannot tell, so it counts
    return bool(found & WRITE_FLAGS)


def _kind(call: ast.Call, confined: set[str]) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        if func.id == "open" and _writes_mode(_mode(call, 1)):
            return "open(write mode)"
        return None
    if not isinstance(func, ast.Attribute):
        return None
    receiver = _name(func.value)
    if receiver == "os":
        if func.attr == "open" and _write_flags(call.args[1] if len(call.args) > 1 else None):
            return "os.open(write flags)"
        return f"os.{func.attr}" if func.attr in OS_WRITES else None
    if receiver == "shutil":
        return f"shutil.{func.attr}" if func.attr in SHUTIL_WRITES else None
    if receiver in ARCHIVE_MODULES and func.attr == "open":
        if not call.args and any(k.arg == "fileobj" for k in call.keywords):
            return None  # writes into a file already opened: that open is what is checked
        return f"{receiver}.open(write mode)" if _writes_mode(_mode(call, 1)) else None
    if receiver is not None and receiver in confined:
        return None
    if func.attr == "open":  # Path.open(mode)
        keyword = next((k.value for k in call.keywords if k.arg == "mode"), None)
        first = _literal(call.args[0]) if call.args else None  # a non-literal first argument: a URL, a name...
        writes = _writes_mode(keyword) if keyword is not None else first is not None and _writes_mode(call.args[0])
        return "Path.open(write mode)" if writes else None
    if func.attr in PATH_WRITES:
        if func.attr in ("replace", "rename") and (len(call.args) != 1 or call.keywords):
            return None  # str.replace(old, new), datetime.replace(tzinfo=...): not Path's
        return f"Path.{func.attr}"
    return None


def scan_source(source: str, module: str) -> list[Write]:
    tree = ast.parse(source, filename=module)
    found: list[Write] = []

    def visit(node: ast.AST, scope: list[str], confined: set[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, scope + [child.name], confined | _confined_names(child))
                continue
            if isinstance(child, ast.ClassDef):
                visit(child, scope + [child.name], confined)
                continue
            if isinstance(child, ast.Call):
                kind = _kind(child, confined)
                if kind is not None:
                    found.append(Write(module, ".".join(scope) or "<module>", kind, child.lineno))
            visit(child, scope, confined)

    visit(tree, [], _confined_names(tree))
    return found
