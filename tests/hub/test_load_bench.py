"""The load and fault bench still runs: tiny county, two clients, a second a phase."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_load_bench_runs_recovers_and_loses_no_write() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.load", "--size", "tiny", "--clients", "2", "--duration",
         "2"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("load (2 clients, 2 s):") and ", 0 errors" in line for line in lines)
    assert any("requests succeeded again" in line and "hub not restarted" in line for line in lines)
    assert any(line.startswith("writes:") and ", 0 lost," in line for line in lines)
