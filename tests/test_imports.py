"""The package has no import loop: lazy (inside functions), under ``if TYPE_CHECKING:``
(type hints only), or plain. Models never import their views (:mod:`dedupe.render`,
:mod:`dedupe.cli`).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dedupe"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    base = current if is_package else current.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    if node.level == 0:
        return node.module or ""
    return f"{base}.{node.module}" if node.module else base


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules ``name`` imports (anywhere in the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, path.name == "__init__.py", node)
            for alias in node.names:  # `from . import x` may name a submodule
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    out = set()
    for target in found:
        while target and target not in modules:  # `import dedupe.x.y` counts as dedupe.x.y
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def package_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_the_package_has_no_import_loop():
    cycle = find_cycle(package_graph())
    assert cycle is None, "import loop: " + " -> ".join(cycle)


def test_the_loop_finder_finds_loops():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_lazy_imports_count(tmp_path):
    """An import inside a function is an edge too (lazy imports only hide loops)."""
    modules = {"pkg": tmp_path / "__init__.py", "pkg.a": tmp_path / "a.py"}
    (tmp_path / "a.py").write_text("def f():\n    from . import b\n    from .c import d\n")
    assert imports_of("pkg.a", tmp_path / "a.py", modules) == {"pkg"}


def test_type_checking_imports_count(tmp_path):
    """An import for type hints only is an edge too: a loop through it is a loop."""
    modules = {"pkg": tmp_path / "__init__.py", "pkg.a": tmp_path / "a.py"}
    (tmp_path / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import b\n"
    )
    assert imports_of("pkg.a", tmp_path / "a.py", modules) == {"pkg"}


#: Modules that show results (views) and the command line over them.
VIEWS = ("dedupe.render", "dedupe.cli")


def test_models_never_import_views():
    graph = package_graph()
    for module, targets in graph.items():
        if module in ("dedupe", "dedupe.__main__") or module.startswith(VIEWS):
            continue
        wrong = sorted(t for t in targets if t.startswith(VIEWS))
        assert not wrong, f"{module} imports views {wrong}"
