"""The layer rule (../shared/design/ARCHITECTURE.md): imports point down only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "tvox_journey"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

# package -> what it may import from tvox_journey, and which third-party libraries.
RULES: dict[str, tuple[set[str], set[str]]] = {
    "domain": ({"domain"}, {"phonenumbers"}),
    "ingest": ({"domain", "ingest"}, set()),
    "sim": ({"domain", "ingest", "sim"}, set()),
    "transfer": ({"domain", "ingest", "transfer"}, set()),
    "store": ({"domain", "store"}, {"sqlalchemy", "alembic"}),
    "live": ({"domain", "live"}, set()),
    "services": ({"domain", "ingest", "transfer", "store", "services"}, {"sqlalchemy", "argon2"}),
    "traffic": ({"domain", "ingest", "sim", "store", "services", "traffic"}, {"httpx", "uvloop"}),
}
ROOT = PACKAGE.parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(RULES))
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    allowed_own, allowed_third = RULES[package]
    problems = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for name in imports_of(path):
            top, _, rest = name.partition(".")
            if top == "tvox_journey":
                if rest.split(".")[0] not in allowed_own:
                    problems.append(f"{path.name}: {name}")
            elif top not in STDLIB and top not in allowed_third:
                problems.append(f"{path.name}: {name}")
    assert problems == []


USE_CASES = sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "services").glob("*.py")) + [
    "writer.py", "replay.py", "log_search.py", "explain.py", "reports.py",
]  # fmt: skip


@pytest.mark.parametrize("module", USE_CASES)
def test_use_cases_never_import_the_web_or_live_layers(module: str) -> None:
    names = imports_of(PACKAGE / module)
    assert not {
        n
        for n in names
        if n.startswith(("tvox_journey.web", "tvox_journey.live", "tvox_journey.cli", "fastapi"))
    }


# The rooms of `web/` (docs/architecture.md) -> the other rooms each may import. The order is a
# ladder: a room imports only rooms above it in this list, so no two rooms depend on each other.
WEB_ROOMS: dict[str, set[str]] = {
    "tasks": set(),  # the process's background work: the log follower, the pruning
    "deps": {"tasks"},  # the resources a request may use
    "responses": set(),  # the error shapes
    "security": {"deps", "responses"},
    "webhooks": {"deps", "responses", "security"},
    "api": {"deps", "responses", "security"},
    "pages": {"deps", "responses", "security", "tasks"},
    "guard": {"deps", "responses", "webhooks"},  # refusals are logged as the webhooks log them
    "errors": {"deps", "responses", "webhooks"},
    "health": {"deps"},
    "metrics": {"deps", "guard", "webhooks"},
    "app": {
        "tasks",
        "deps",
        "responses",
        "security",
        "webhooks",
        "api",
        "pages",
        "guard",
        "errors",
        "health",
        "metrics",
    },  # fmt: skip
}


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["tvox_journey", "web"] else None


def test_every_module_of_web_is_in_a_room_the_rules_name() -> None:
    rooms = {_room(m) for m in module_graph()} - {None}
    assert rooms == set(WEB_ROOMS)


def test_rooms_of_web_import_only_the_rooms_their_rule_allows() -> None:
    problems = sorted(
        f"{module} -> {target}"
        for module, targets in module_graph().items()
        if (room := _room(module))
        for target in targets
        if (other := _room(target)) and other != room and other not in WEB_ROOMS[room]
    )
    assert problems == []


def test_the_rules_of_web_form_a_ladder() -> None:
    order = list(WEB_ROOMS)
    assert [r for r in order for other in WEB_ROOMS[r] if order.index(other) > order.index(r)] == []


def _cli_imports(path: Path) -> list[str]:
    """What a file takes from `tvox_journey.cli` beyond the app, `main` and command modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    commands = {p.stem for p in (PACKAGE / "cli").glob("*.py")}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tvox_journey.cli."):
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "tvox_journey.cli":
            found += [alias.name for alias in node.names if alias.name not in {"app", "main"} | commands]
    return found


def test_benchmarks_never_import_the_command_line() -> None:
    files = sorted((ROOT / "bench").rglob("*.py"))
    assert files
    assert [
        f"{p.name}: {name}" for p in files for name in imports_of(p) if name.startswith("tvox_journey.cli")
    ] == []


def test_tests_take_only_the_commands_from_the_command_line_and_the_rest_from_libraries() -> None:
    files = sorted((ROOT / "tests").rglob("*.py"))
    assert [f"{p.relative_to(ROOT)}: {name}" for p in files for name in _cli_imports(p)] == []


def module_graph() -> dict[str, set[str]]:
    """tvox_journey's modules -> the modules of the package each imports (lazy imports included)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                target = owner(name)
                # A package's __init__ is not a cycle with the modules inside it.
                if target and target != module and not module.startswith(target + "."):
                    targets.add(target)
        graph[module] = targets
    return graph


def test_no_two_modules_import_each_other_even_through_others() -> None:
    graph = module_graph()
    cycles = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycles.append(path[path.index(module) :] + [module])
            return
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []
