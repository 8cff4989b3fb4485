"""Each index is queried by the domain that owns it; the others ask that domain's service.

The owners are the table of the README ("Who reads which index"). This reads the
source of every module of ``secops/`` (the store aside: it is the layer every owner
goes through) and ``api/``, finds each place that names an index for a request (an
``index=`` argument, an ``"_index"`` key of a bulk or multi-get body) and resolves the
name: ``ctx.names.alerts``, ``ctx.names.index("users")``, a module's ``index(ctx)``,
a constant or a local variable holding one of these. A name it cannot resolve is
reported too, so that a new way of naming an index is made explicit here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# index kind -> the domains that may query it (``secops.<domain>``; ``store`` is secops.store).
OWNERS: dict[str, frozenset[str]] = {
    "alerts": frozenset({"alerts"}),
    "suppressions": frozenset({"alerts"}),
    "audit": frozenset({"audit"}),
    "users": frozenset({"auth"}),
    "apikeys": frozenset({"auth"}),
    "sessions": frozenset({"auth"}),
    "compliance": frozenset({"compliance"}),
    "renderings": frozenset({"compliance"}),
    "deadletter": frozenset({"store"}),
    "events": frozenset({"store"}),
    # State documents are keyed by kind; a domain reads and writes only its own kinds
    # (lockouts, notifier status, rule state), the others through secops.store.state.
    "state": frozenset({"store", "auth", "alerts", "rules"}),
}

# Where a module still names another domain's index, and why; each must still be true.
KNOWN: dict[tuple[str, str], str] = {}

_NAMED_PROPERTIES = {
    "alerts": "alerts",
    "audit": "audit",
    "state": "state",
    "deadletter": "deadletter",
    "events_pattern": "events",
}
UNRESOLVED = "?"


def domain_of(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return parts[1] if parts[0] == "secops" else parts[0]


def module_path(dotted: str) -> Path | None:
    base = REPO.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@dataclass
class Module:
    path: Path
    tree: ast.Module
    imported: dict[str, str]  # local name -> dotted module it stands for
    parents: dict[ast.AST, ast.AST]

    @classmethod
    def load(cls, path: Path) -> Module:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        imported[alias.asname] = alias.name
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        return cls(path, tree, imported, parents)

    def assigned(self, name: str, at: ast.AST) -> ast.expr | None:
        """What ``name`` was last bound to by a plain assignment in the enclosing
        function, else at module level."""
        scope: ast.AST | None = at
        while scope is not None and not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            scope = self.parents.get(scope)
        for body in (scope, self.tree):
            if body is None:
                continue
            for node in ast.walk(body):
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == name
                ):
                    return node.value
        return None

    def index_function(self) -> ast.expr | None:
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "index":
                returns = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
                if len(returns) == 1 and returns[0].value is not None:
                    return returns[0].value
        return None


_MODULES: dict[Path, Module] = {}


def module(path: Path) -> Module:
    if path not in _MODULES:
        _MODULES[path] = Module.load(path)
    return _MODULES[path]


def _is_names(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "names") or (
        isinstance(node, ast.Name) and node.id == "names"
    )


def resolve(mod: Module, expr: ast.expr, depth: int = 0) -> tuple[str, Module]:
    """The index kind ``expr`` names (``UNRESOLVED`` if it cannot tell)."""
    if depth > 5:
        return UNRESOLVED, mod
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value, mod
    if isinstance(expr, ast.Attribute) and _is_names(expr.value):
        return _NAMED_PROPERTIES.get(expr.attr, UNRESOLVED), mod
    if isinstance(expr, ast.Name):
        value = mod.assigned(expr.id, expr)
        return resolve(mod, value, depth + 1) if value is not None else (UNRESOLVED, mod)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        func = expr.func
        if _is_names(func.value) and func.attr == "index" and expr.args:
            return resolve(mod, expr.args[0], depth + 1)
        if _is_names(func.value) and func.attr == "events_stream":
            return "events", mod
        if func.attr == "index" and isinstance(func.value, ast.Name):
            # another module's ``index(ctx)``
            dotted = mod.imported.get(func.value.id)
            target = module_path(dotted) if dotted else None
            if target is not None:
                other = module(target)
                body = other.index_function()
                if body is not None:
                    return resolve(other, body, depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "index":
        body = mod.index_function()
        if body is not None:
            return resolve(mod, body, depth + 1)
    return UNRESOLVED, mod


def named_indices(mod: Module) -> Iterator[tuple[int, ast.expr]]:
    """(line, expression) of every index named for a request."""
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "index":
                    yield node.lineno, kw.value
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "_index":
                    yield node.lineno, value


def violations() -> tuple[list[str], set[tuple[str, str]]]:
    found: list[str] = []
    known_seen: set[tuple[str, str]] = set()
    files = sorted((REPO / "secops").rglob("*.py")) + sorted((REPO / "api").rglob("*.py"))
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith("secops/store/"):
            continue
        mod = module(path)
        domain = domain_of(path)
        for line, expr in named_indices(mod):
            kind, _ = resolve(mod, expr)
            if kind in OWNERS and domain in OWNERS[kind]:
                continue
            if (rel, kind) in KNOWN:
                known_seen.add((rel, kind))
                continue
            what = "an index it cannot resolve" if kind == UNRESOLVED else f"the {kind} index"
            found.append(f"{rel}:{line}: {domain} names {what}: {ast.unparse(expr)}")
    return found, known_seen


def test_every_index_is_queried_only_by_its_owner() -> None:
    found, known_seen = violations()
    assert found == [], "\n".join(found)
    stale = set(KNOWN) - known_seen
    assert not stale, f"no longer true, drop them from KNOWN: {sorted(stale)}"


def test_the_resolver_sees_each_way_an_index_is_named() -> None:
    """Each form used in the code resolves to its kind (so a pass above means something)."""
    source = (
        "from secops.auth import sessions\n"
        "INDEX = 'suppressions'\n"
        "def index(ctx):\n"
        "    return ctx.names.index('compliance')\n"
        "def f(ctx, es, names):\n"
        "    local = ctx.names.index(INDEX)\n"
        "    es.search(index=ctx.names.alerts)\n"
        "    es.search(index=names.deadletter)\n"
        "    es.get(index=sessions.index(ctx))\n"
        "    es.get(index=index(ctx))\n"
        "    es.get(index=local)\n"
        "    es.mget(docs=[{'_index': ctx.names.index('users')}])\n"
        "    es.count(index=ctx.names.events_pattern)\n"
        "    es.count(index=','.join(x for x in ()))\n"
    )
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    mod = Module(
        REPO / "secops" / "example.py", tree, {"sessions": "secops.auth.sessions"}, parents
    )
    kinds = [resolve(mod, expr)[0] for _, expr in sorted(named_indices(mod), key=lambda x: x[0])]
    assert kinds == [
        "alerts",
        "deadletter",
        "sessions",
        "compliance",
        "suppressions",
        "users",
        "events",
        UNRESOLVED,
    ]
