"""Guardrails (issue 15): the linters report nothing.

``ruff check`` (style, bugs, complexity, docstrings of the public API) on the code and
its tests, and ``mypy --strict`` on the package, both configured in pyproject.toml and
run from this interpreter's environment, as the pull-request workflow runs them. A
failure prints every finding with its file and line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *arguments], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, "NO_COLOR": "1"})


def _findings(tool: str, result: subprocess.CompletedProcess[str]) -> str:
    if "No module named" in result.stderr:
        return f"{tool} is not installed here: .venv/bin/pip install -c constraints.txt -e '.[test]'\n{result.stderr}"
    return f"{tool} reports findings (exit {result.returncode}):\n{result.stdout}{result.stderr}"


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--config", str(PYPROJECT), "--output-format", "concise",
                  "src", "tests", "benchmarks")
    assert result.returncode == 0, _findings("ruff", result)


def test_mypy_strict_finds_nothing():
    # The files (src/ntsbrief) and the cache (.mypy_cache, git-ignored) come from pyproject.toml.
    result = _run("mypy", "--config-file", str(PYPROJECT))
    assert result.returncode == 0, _findings("mypy", result)
