"""The layers the README draws are checked by import-linter (``[tool.importlinter]``).

The contracts hold on the tree, and a new import that breaks one makes the check
fail: the tests run ``lint-imports`` on a copy of the packages with one import added.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("secops", "api", "collectors")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and their contracts, importable from ``tmp_path``."""
    for name in PACKAGES:
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(root: Path, module: str, line: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_domain_module_importing_the_api_breaks_the_layers(tree: Path) -> None:
    _add_import(tree, "secops.alerts.build", "import api.app")
    result = _lint(tree)
    assert result.returncode == 1
    assert "imports neither the API nor the collectors" in result.stdout
    assert "secops.alerts.build -> api.app" in result.stdout


def test_a_new_cycle_breaks_the_acyclic_contract(tree: Path) -> None:
    _add_import(tree, "secops.normalize.base", "from secops.normalize import registry")
    result = _lint(tree)
    assert result.returncode == 1
    assert "No cycles are allowed in secops.normalize" in result.stdout


def test_a_new_elasticsearch_import_outside_the_store_is_refused(tree: Path) -> None:
    _add_import(tree, "secops.alerts.build", "import elasticsearch")
    result = _lint(tree)
    assert result.returncode == 1
    assert "secops.alerts.build -> elasticsearch" in result.stdout


@pytest.mark.parametrize(
    ("module", "broken"),
    [
        # A parser that fails to import would have every event stored as unparsed.
        ("secops.pipeline.normalizing", "secops.normalize.auditd"),
        # An audit trail that fails to import would leave actions in a log line only.
        ("secops.auth.audit", "secops.audit.service"),
    ],
)
def test_a_stage_that_cannot_be_imported_stops_its_user(module: str, broken: str) -> None:
    code = (
        "import sys\n"
        f"sys.modules[{broken!r}] = None  # as if the module failed to import\n"
        f"import {module}\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode != 0
    assert f"import of {broken} halted" in result.stderr
