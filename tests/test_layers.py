"""pdpipe's packages form layers: each imports only the layers below it, and no modules
import each other in a circle. A new reader finds each thing in the layer that owns it;
a change in a low layer never needs an edit above it to load.

Read from the source (ast), so the test sees imports inside functions and under
TYPE_CHECKING as well: a lazy import upward is still a dependency upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pdpipe

SOURCE = Path(pdpipe.__file__).parent

# Lowest first. A layer may import itself and the layers before it, never one after it.
LAYERS: list[set[str]] = [
    {"errors"},
    {"settings"},
    {"json_files"},  # how pdpipe's JSON files (its formats) are written and read back
    {"detectors"},  # which values are PD: pure, no database
    {"operators"},  # value transformations: know nothing of policies or stores
    {"policy"},  # the validated policy file
    {"stores"},  # engines, keys, instants, pdpipe's own tables in each store
    {"discovery"},  # what PD the stores hold: samples of every table, the detectors' verdicts
    {"retention"},  # decisions: as-of, end rules, the plan
    {"validation"},  # suites, snapshots and checks of a run's result
    {"execute"},  # batches, the ledger, locks (records into validate's snapshot)
    {"requests"},  # data subjects' requests
    {"report"},  # documents, summaries, the dashboard
    {"job"},  # the nightly job from named steps
    {"flows"},  # Prefect's face of the job
    {"demo"},
    {"api"},  # the public functions `import pdpipe` gives
    {"cli_common", "cli_json", "cli_logging"},
    {"cli_job"},
    {
        "cli_dashboard",
        "cli_demo",
        "cli_holds",
        "cli_ledger",
        "cli_report",
        "cli_requests",
        "cli_scan",
        "cli_init",
    },
    {"cli"},
]
LAYER_OF = {name: index for index, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> str:
    parts = ["pdpipe", *path.relative_to(SOURCE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(module: str) -> str:
    """`pdpipe.stores.keys` -> `stores`; the package itself -> `pdpipe`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pdpipe"


def _imports(tree: ast.AST, module: str, *, top_level_only: bool) -> set[str]:
    """pdpipe modules `tree` imports (`from pdpipe.x import y`: y when y is a module)."""
    found: set[str] = set()
    nodes = ast.iter_child_nodes(tree) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("pdpipe.")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pdpipe"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                # `from package import module` needs the module, not the package's
                # __init__ (Python imports that first in any case)
                found.add(candidate if candidate in MODULES else str(node.module))
    found.discard(module)
    return {name for name in found if name != "pdpipe"}


PATHS = {_module_name(p): p for p in SOURCE.rglob("*.py")}
MODULES = set(PATHS)
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in PATHS.items()}


def test_every_package_has_its_layer() -> None:
    packages = {_package(m) for m in MODULES} - {"pdpipe"}
    assert packages <= set(LAYER_OF), f"no layer for: {sorted(packages - set(LAYER_OF))}"


def test_no_package_imports_one_above_it() -> None:
    upward = []
    for module, tree in sorted(TREES.items()):
        source = _package(module)
        if source == "pdpipe":
            continue  # pdpipe/__init__ is the public face: it re-exports the api
        for target in sorted(_imports(tree, module, top_level_only=False)):
            if LAYER_OF[_package(target)] > LAYER_OF[source]:
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    """Imports at module level only: a circle among them breaks the import itself, or
    makes its success depend on which module a caller imports first."""
    graph = {m: _imports(t, m, top_level_only=True) & MODULES for m, t in TREES.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize(
    "source, target",
    [("stores.keys", "retention.plan"), ("execute.runner", "job"), ("policy.secrets", "cli")],
)
def test_an_upward_import_would_be_found(source: str, target: str) -> None:
    tree = ast.parse(f"from pdpipe.{target} import something\n")
    (found,) = _imports(tree, f"pdpipe.{source}", top_level_only=True)
    assert LAYER_OF[_package(found)] > LAYER_OF[_package(f"pdpipe.{source}")]
