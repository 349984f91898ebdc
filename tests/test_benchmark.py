"""The benchmark harness runs end to end on the small corpus.

Only that it works and reports ratios is checked: timings depend on the
machine, and the numbers themselves are for benchmarks/README.md, not CI.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_small_benchmark_reports_ratios(tmp_path):
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, str(RUN), "--size", "small", "--runs", "1", "--no-serve", "--no-warmup",
         "--work", str(tmp_path / "work"), "--json", str(report)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(a) first build, empty cache" in result.stdout
    assert "(b) build with warm on-disk cache" in result.stdout
    assert "×" in result.stdout  # the plugin/plain ratios

    data = json.loads(report.read_text(encoding="utf-8"))
    (size,) = data["sizes"]
    assert size["corpus"]["citations"] > 0 and size["corpus"]["notes"] > 0
    for kind in ("first", "warm"):
        assert size["ratios"][kind]["wall"] > 0
        assert all(m["warnings"] == 0 for m in size["builds"][f"ntsbrief-{kind}"])  # the corpus is valid
