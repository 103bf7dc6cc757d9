"""The package's layout holds: every avcore module imports, none imports Streamlit, each one
imports only from its own floor or the ones below (docs/architecture.md), the module-level
imports have no cycle, and every `from avcore... import name` anywhere in the project names
something that exists. Pages run Streamlit when imported, so they are compiled, not run."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import avcore

MODULES = sorted(m.name for m in pkgutil.walk_packages(avcore.__path__, "avcore."))
# `python -m avcore`: importing it runs the CLI, so it is run instead (test_the_cli_entry_point_runs)
IMPORTABLE = [m for m in MODULES if m != "avcore.__main__"]
PACKAGE = ROOT / "avcore"

# A module's floor is its subpackage, or for a top-level module its own name. Each floor may
# import what is listed here (and itself); the list is the one in docs/architecture.md.
BASE = {"avcore", "errors", "paths", "parallel", "roc"}
BELOW_DECIDE = BASE | {"io", "damage", "data", "features", "sync", "models"}
DECIDE = {"verdict", "check", "scoring", "repair"}
MAY_IMPORT = {
    **{name: BASE for name in BASE},
    "io": BASE,
    "damage": BASE | {"io"},
    "data": BASE | {"io", "damage"},
    "features": BASE | {"io"},
    "sync": BASE | {"io", "features"},
    "models": BASE | {"io", "features", "sync"},
    **{name: BELOW_DECIDE | DECIDE for name in DECIDE},
    "eval": BELOW_DECIDE | DECIDE,
    "plots": BASE,
    "cli": BELOW_DECIDE | DECIDE | {"eval"},
    "__main__": {"cli"},
}


def floor(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "avcore"


def source(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin)


def avcore_imports(tree: ast.AST, *, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every avcore module `tree` imports; `from avcore.x import y` counts as
    avcore.x.y when y is a module. With `top_level_only`, imports inside functions and under
    `if TYPE_CHECKING:` are left out: they cannot make an import cycle."""
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "avcore"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "avcore":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.append((node.lineno, sub if sub in MODULES else node.module))
    return found


@pytest.mark.parametrize("module", IMPORTABLE)
def test_every_module_imports(module):
    importlib.import_module(module)


def test_the_cli_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "avcore", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("usage:"), out.stderr


def test_no_avcore_module_imports_streamlit():
    """Not at the top nor inside a function (read from the source), and not by way of another
    package (all of avcore imported in a fresh interpreter)."""
    for module in MODULES:
        for node in ast.walk(ast.parse(source(module).read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n.split(".")[0] == "streamlit"], module
    code = (
        "import importlib, sys\n"
        f"for m in {IMPORTABLE!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_each_module_imports_only_its_floor_or_lower_ones():
    wrong = []
    for module in MODULES:
        allowed = MAY_IMPORT[floor(module)] | {floor(module)}
        for line, imported in avcore_imports(ast.parse(source(module).read_text())):
            if floor(imported) not in allowed:
                wrong.append(f"{module}:{line} imports {imported}")
    assert not wrong, wrong


def test_module_level_imports_have_no_cycle():
    graph = {
        m: {i for _, i in avcore_imports(ast.parse(source(m).read_text()), top_level_only=True) if i != m}
        for m in MODULES
    }
    done: set[str] = set()

    def visit(m: str, path: list[str]) -> None:
        assert m not in path, " -> ".join(path[path.index(m) :] + [m])
        if m in done:
            return
        for nxt in graph.get(m, ()):
            visit(nxt, path + [m])
        done.add(m)

    for m in MODULES:
        visit(m, [])


def project_files() -> list[Path]:
    roots = [ROOT / "avcore", ROOT / "app_support", ROOT / "pages", ROOT / "tests", ROOT / "bench"]
    return sorted(p for r in roots for p in r.rglob("*.py")) + [ROOT / "streamlit_app.py"]


@pytest.mark.parametrize("path", project_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_avcore_import_in_the_project_resolves(path):
    """Pages, app_support, the tests, the benchmarks and the app compile, and each name they
    import from avcore exists, inside functions too (the old flat module paths are gone)."""
    tree = ast.parse(compile(path.read_text(), str(path), "exec", ast.PyCF_ONLY_AST))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "avcore":
                    importlib.import_module(a.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "avcore":
            target = importlib.import_module(node.module)
            for a in node.names:
                assert hasattr(target, a.name) or importlib.util.find_spec(f"{node.module}.{a.name}"), (
                    f"{path.name}:{node.lineno}: {node.module} has no {a.name}"
                )


@pytest.mark.parametrize(
    "path", sorted((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py"], ids=lambda p: p.name
)
def test_pages_compile(path):
    compile(path.read_text(), str(path), "exec")


@pytest.mark.parametrize("module", sorted(m.name for m in pkgutil.iter_modules([str(ROOT / "app_support")])))
def test_app_support_modules_import(module):
    importlib.import_module(f"app_support.{module}")
