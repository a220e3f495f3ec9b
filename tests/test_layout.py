"""The code's layout keeps its promises (README "Layout", issue 16): no import cycles
in `booking/`, `cms/` or `config/`; no module reaches into another's `_private`
names; dependencies point one way (`config` -> `cms` -> `booking`; inside booking,
the edges -> the areas -> the core); and modules stay short enough to read.

The import graph is read from the source with `ast`, imports inside functions
included: an import moved into a function still ties two modules together."""

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("booking", "cms", "config")
# Inside booking: what people and other programs call. Only edges, the job entry
# points and the admin's hook registry may import them.
EDGES = ("booking.admin", "booking.web", "booking.api")
MAY_IMPORT_EDGES = (*EDGES, "booking.tasks", "booking.wagtail_hooks")
LONG_MODULE = 420
LONG_MODULE_REASON = "past 400 lines"


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    names: tuple[str, ...] = ()


def modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known) -> list[Import]:
    """Each first-party module `name` imports, wherever the import statement is.
    `from package import module` counts as importing that module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                Import(name, alias.name, node.lineno)
                for alias in node.names
                if alias.name in known
            ]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                kept = package[: len(package) - node.level + 1]
                base = ".".join([*kept, *([node.module] if node.module else [])])
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.append(Import(name, f"{base}.{alias.name}", node.lineno))
                elif base in known:
                    found.append(Import(name, base, node.lineno, (alias.name,)))
    return [found_import for found_import in found if found_import.target != name]


def import_graph(root: Path = ROOT) -> dict[str, list[Import]]:
    known = modules(root)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, list[Import]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's
    algorithm, iterative), each as a path that closes on itself."""
    edges = {name: sorted({i.target for i in found}) for name, found in graph.items()}
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges.get(child, ()))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return [closed_path(component, edges) for component in components]


def closed_path(component: list[str], edges) -> list[str]:
    """A cycle through the component's first module, to name in a message."""
    members, start = set(component), component[0]
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for child in edges[path[-1]]:
            if child == start:
                return [*path, start]
            if child in members and child not in seen:
                seen.add(child)
                paths.append([*path, child])
    return component


def private_uses(root: Path = ROOT) -> list[str]:
    """`from booking.x import _name` and `x._name` where x is another first-party
    module: each is a helper that should be a public function of its owner."""
    known = modules(root)
    found = []
    for name, path in known.items():
        module_aliases = {}
        for imported in imports_of(name, path, known):
            found += [
                f"{path.relative_to(root)}:{imported.line} imports "
                f"{imported.target}.{private}"
                for private in imported.names
                if private.startswith("_") and not private.startswith("__")
            ]
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in known:
                        module_aliases[alias.asname or alias.name] = node.module
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append(
                    f"{path.relative_to(root)}:{node.lineno} uses "
                    f"{node.value.id}.{node.attr}"
                )
    return found


def test_the_import_graph_has_no_cycles():
    found = cycles(import_graph())
    assert not found, "Import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_module_uses_another_modules_private_names():
    found = private_uses()
    assert not found, "Private names used across modules:\n" + "\n".join(found)


def test_dependencies_point_one_way():
    wrong = []
    for name, found in import_graph().items():
        for imported in found:
            target = imported.target
            if name.startswith("booking") and target.startswith(("cms", "config")):
                wrong.append(
                    f"{name}:{imported.line} imports {target} (booking -> cms)"
                )
            if name.startswith("cms") and target.startswith("config"):
                wrong.append(f"{name}:{imported.line} imports {target} (cms -> config)")
            if name.startswith("booking.core") and not target.startswith(
                "booking.core"
            ):
                wrong.append(f"{name}:{imported.line} imports {target} (core -> area)")
            if (
                target.startswith(EDGES)
                and name.startswith("booking")
                and not name.startswith(MAY_IMPORT_EDGES)
            ):
                wrong.append(f"{name}:{imported.line} imports {target} (area -> edge)")
    assert not wrong, "Dependencies against the layout:\n" + "\n".join(wrong)


def test_long_modules_say_why_they_are_long():
    unexplained = []
    for name, path in modules().items():
        lines = path.read_text().count("\n")
        if name.startswith("booking") and lines > LONG_MODULE:
            docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
            if LONG_MODULE_REASON not in docstring:
                unexplained.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not unexplained, (
        f"Modules over {LONG_MODULE} lines whose docstring does not say why they "
        f"run {LONG_MODULE_REASON}:\n" + "\n".join(unexplained)
    )


def test_the_cycle_check_finds_a_cycle_and_names_it(tmp_path):
    """The checks above would pass on a tree they cannot read: prove they see."""
    (tmp_path / "booking" / "area").mkdir(parents=True)
    for package in PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "booking" / "area" / "__init__.py").write_text("")
    (tmp_path / "booking" / "area" / "a.py").write_text("from booking.area import b\n")
    (tmp_path / "booking" / "area" / "b.py").write_text(
        "def later():\n    from booking.area.c import _helper\n"
    )
    (tmp_path / "booking" / "area" / "c.py").write_text(
        "import booking.area.a\n\ndef _helper():\n    pass\n"
    )

    found = cycles(import_graph(tmp_path))

    assert found == [
        ["booking.area.a", "booking.area.b", "booking.area.c", "booking.area.a"]
    ]
    assert private_uses(tmp_path) == [
        "booking/area/b.py:2 imports booking.area.c._helper"
    ]
