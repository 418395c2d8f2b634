"""The import contracts of pyproject.toml ([tool.importlinter]), run as `make lint` runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(contract: str) -> subprocess.CompletedProcess[str]:
    """Check one contract; the answer's output names every broken import."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--contract", contract], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_arrows_point_down_only():
    result = lint_imports("layers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


def test_no_module_imports_a_sibling_that_imports_it_back():
    result = lint_imports("acyclic")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout
