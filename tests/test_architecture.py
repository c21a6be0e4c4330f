"""The apps stand in layers (docs/architecture.md, design.md "Dependencies run one way") and the
package ships all of them.

The import graph is built from the source with `ast`: every `import` and `from … import`,
wherever it stands (inside functions too: a lazy import is still a dependency), and every
`import_module("…")` / `import_string("…")` with a literal name. Only the root URLconf and the
settings module may name the apps from `kpi_portal`: wiring the project together is their job.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parent.parent
CORE = "kpi_portal"
# The files of the core that may import apps.
WIRING = {"kpi_portal/urls.py", "kpi_portal/settings.py"}
# design.md: each app may use the ones before it, never one after it.
LAYERS = [CORE, "agencies", "dossiers", "directives", "reports"]
DATA_DIRECTORIES = ["templates", "static", "locale"]


@dataclass(frozen=True)
class Edge:
    source: str  # importing app
    target: str  # imported app
    where: str  # file:line


def project_apps(root: Path = ROOT) -> list[str]:
    """The project's own apps (those of INSTALLED_APPS that live in this repository) and the
    core package."""
    local = [
        config.name
        for config in django_apps.get_app_configs()
        if Path(config.path).resolve().parent == root
    ]
    return [CORE, *sorted(local)]


def _imported_names(tree: ast.AST) -> list[tuple[str, int]]:
    names: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.module, node.lineno))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                called in {"import_module", "import_string", "__import__"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                names.append((first.value, node.lineno))
    return names


def import_edges(*, root: Path, apps: list[str], exempt: set[str]) -> list[Edge]:
    """Every import of one app by another, from the source under `root`."""
    edges = []
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative in exempt:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
            for name, line in _imported_names(tree):
                target = name.split(".")[0]
                if target in apps and target != app:
                    edges.append(Edge(app, target, f"{relative}:{line}"))
    return edges


def find_cycles(edges: list[Edge]) -> list[list[str]]:
    """The strongly connected groups of more than one app (each holds at least one cycle)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm; the graph is a handful of apps
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _explain(edges: list[Edge], group: list[str]) -> str:
    inside = [e for e in edges if e.source in group and e.target in group]
    return "; ".join(f"{e.source} → {e.target} ({e.where})" for e in inside)


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return import_edges(root=ROOT, apps=project_apps(), exempt=WIRING)


class TestTheAppsStandInLayers:
    def test_the_graph_covers_every_app_of_the_project(self):
        assert project_apps() == [CORE, "agencies", "directives", "dossiers", "reports"]

    def test_no_two_apps_import_each_other_even_lazily(self, edges):
        cycles = find_cycles(edges)
        assert cycles == [], "\n".join(_explain(edges, group) for group in cycles)

    def test_the_core_imports_no_app_outside_the_urlconf_and_settings(self, edges):
        assert [e.where + f" imports {e.target}" for e in edges if e.source == CORE] == []

    def test_each_app_uses_only_the_layers_below_it(self, edges):
        upward = [
            f"{e.where}: {e.source} imports {e.target}"
            for e in edges
            if LAYERS.index(e.target) > LAYERS.index(e.source)
        ]
        assert upward == []

    def test_the_urlconf_is_where_the_core_names_the_apps(self):
        # The exemption is not a blanket one: the wiring files do import apps.
        edges = import_edges(root=ROOT, apps=project_apps(), exempt=set())
        assert {e.where.split(":")[0] for e in edges if e.source == CORE} <= WIRING


class TestTheCheckerItself:
    """The checks above would catch what they claim: a cycle made only by a lazy import inside a
    function, an `import_module` with a literal name, and the core reaching into an app."""

    def _tree(self, tmp_path: Path, files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return tmp_path

    def test_a_lazy_import_inside_a_function_closes_a_cycle(self, tmp_path):
        root = self._tree(
            tmp_path,
            {
                "low/__init__.py": "",
                "low/models.py": "def f():\n    from high.views import g\n    return g\n",
                "high/__init__.py": "",
                "high/views.py": "import low.models\n",
            },
        )
        edges = import_edges(root=root, apps=["low", "high"], exempt=set())
        assert find_cycles(edges) == [["high", "low"]]
        assert "low/models.py:2" in _explain(edges, ["high", "low"])

    def test_import_module_with_a_literal_name_counts(self, tmp_path):
        root = self._tree(
            tmp_path,
            {
                "a/x.py": "import importlib\nm = importlib.import_module('b.y')\n",
                "b/y.py": "from a import x\n",
            },
        )
        assert find_cycles(import_edges(root=root, apps=["a", "b"], exempt=set())) == [["a", "b"]]

    def test_relative_and_outside_imports_are_not_edges(self, tmp_path):
        root = self._tree(
            tmp_path,
            {"a/x.py": "from . import y\nimport django\nfrom a.y import z\n", "a/y.py": ""},
        )
        assert import_edges(root=root, apps=["a"], exempt=set()) == []

    def test_a_three_app_cycle_is_found(self, tmp_path):
        root = self._tree(
            tmp_path,
            {"a/m.py": "import b\n", "b/m.py": "import c\n", "c/m.py": "import a\n", "d/m.py": ""},
        )
        edges = import_edges(root=root, apps=["a", "b", "c", "d"], exempt=set())
        assert find_cycles(edges) == [["a", "b", "c"]]


# --- What the package ships -----------------------------------------------------------------------


def _setuptools_find() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["packages"]["find"]


class TestThePackageListShipsEveryApp:
    def test_every_app_and_data_directory_is_in_the_include_list(self):
        include = _setuptools_find()["include"]
        missing = [
            name
            for name in [*project_apps(), *DATA_DIRECTORIES]
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in include)
            or not any(fnmatch.fnmatchcase(f"{name}.sub", pattern) for pattern in include)
        ]
        assert missing == []

    def test_the_data_directories_install_as_namespace_packages(self):
        # They have no __init__.py: only namespace discovery finds them.
        assert _setuptools_find().get("namespaces", True) is True
        manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").split("\n")
        assert {f"graft {name}" for name in DATA_DIRECTORIES} <= set(manifest)


def _tracked_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    )
    return [name for name in listing.stdout.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    """The files of a wheel built (not installed in editable mode) from the tracked files plus
    whatever the working tree changed, the way `pip install .` builds it."""
    source = tmp_path_factory.mktemp("source")
    for name in _tracked_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / name).read_bytes())
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


@pytest.mark.skipif(
    not (ROOT / ".git").exists(), reason="not a git checkout: the tracked files cannot be listed"
)
class TestABuiltWheel:
    def test_it_holds_every_module_of_every_app(self, wheel_names):
        modules = [
            name
            for name in _tracked_files()
            if name.split("/")[0] in project_apps() and name.endswith(".py")
        ]
        assert "directives/apps.py" in modules
        assert [name for name in modules if name not in wheel_names] == []

    def test_it_holds_every_template_static_file_and_translation(self, wheel_names):
        data = [name for name in _tracked_files() if name.split("/")[0] in DATA_DIRECTORIES]
        assert "templates/directives/index.html" in data
        assert "locale/en/LC_MESSAGES/django.mo" in data
        assert [name for name in data if name not in wheel_names] == []

    def test_it_holds_no_tests_benchmarks_or_docs(self, wheel_names):
        assert {name.split("/")[0] for name in wheel_names} == {
            *project_apps(),
            *DATA_DIRECTORIES,
            next(n.split("/")[0] for n in wheel_names if ".dist-info/" in n),
        }
