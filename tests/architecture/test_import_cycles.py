"""No import cycles among our modules, counting the imports inside functions.

import-linter's contracts see the arrows between the parts; a circle inside a part (services that
import the tasks that import them) slips past them, and an import written inside a function to dodge
it is still a circle. This reads every module of ours with `ast`, takes every `import` and
`from ... import` of our packages at any depth, and fails listing each circle it finds.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("giftoffice", "catalog", "orders")


def our_modules() -> dict[str, tuple[Path, bool]]:
    """dotted name -> (file, is a package); migrations are generated and frozen, so left out."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            modules[".".join(parts)] = (path, is_package)
    return modules


def _known(name: str, modules: dict) -> str | None:
    """The module `name` names, or the nearest enclosing one of ours (`pkg.mod.attr` -> `pkg.mod`)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, modules: dict) -> set[str]:
    path, is_package = modules[module]
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(_known(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod.
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else _known(source, modules))
    found.discard(None)
    found.discard(module)  # a module naming its own function is no circle
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each as one circle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_circle(graph, group) for group in groups]


def _circle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """One shortest path from the group's first module back to itself, for a readable failure."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no circle through {start}")


def import_graph() -> dict[str, set[str]]:
    modules = our_modules()
    return {module: imports_of(module, modules) for module in modules}


def test_no_module_of_ours_imports_itself_back_even_from_inside_a_function():
    found = cycles(import_graph())

    assert found == [], "import cycles:\n" + "\n".join(" -> ".join(circle) for circle in found)


def test_the_check_counts_an_import_written_inside_a_function(tmp_path):
    services = tmp_path / "services.py"
    services.write_text("def enqueue():\n    from app.tasks import run\n", encoding="utf-8")
    tasks = tmp_path / "tasks.py"
    tasks.write_text("from . import services\n", encoding="utf-8")
    modules = {
        "app": (tmp_path / "__init__.py", True),
        "app.services": (services, False),
        "app.tasks": (tasks, False),
    }
    graph = {module: imports_of(module, modules) for module in ("app.services", "app.tasks")}

    assert graph == {"app.services": {"app.tasks"}, "app.tasks": {"app.services"}}
    assert cycles(graph) == [["app.services", "app.tasks", "app.services"]]
