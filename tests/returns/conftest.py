"""The DfE validators, run in their own interpreter (`make dfe` builds it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("dfe_rules.py")
# Hertfordshire's ONS code: the LA the demo county and the test postcodes belong to.
LA_ONS_CODE = "E10000015"

DfeRules = Callable[..., dict[str, Any]]


def _interpreter() -> Path:
    configured = os.environ.get("LCS_HUB_DFE_PYTHON")
    return Path(configured) if configured else ROOT / ".venv-dfe" / "bin" / "python"


@pytest.fixture(scope="session")
def dfe_python() -> Path:
    """The validators' interpreter. Missing, the DfE rules cannot run: that is a failure,
    never a skip, or a return that breaks them would pass unnoticed."""
    python = _interpreter()
    check = [str(python), "-c", "import cin_validator, lac_validator"]
    try:
        found = subprocess.run(check, capture_output=True, text=True, timeout=120, check=False)
    except OSError as problem:
        pytest.fail(
            f"no interpreter for the DfE validators at {python} ({problem}): run `make dfe`"
            " (needs python3.11) or set LCS_HUB_DFE_PYTHON",
            pytrace=False,
        )
    if found.returncode != 0:
        pytest.fail(
            f"the DfE validators do not import under {python}: run `make dfe`\n{found.stderr}",
            pytrace=False,
        )
    return python


@pytest.fixture(scope="session")
def dfe_rules(dfe_python: Path) -> DfeRules:
    """Run the DfE rules on a return: `dfe_rules("903", folder, year=2026, prev=folder)`."""

    def run(kind: str, path: Path, *, year: int, prev: Path | None = None) -> dict[str, Any]:
        command = [str(dfe_python), str(RUNNER), kind, str(path), "--year", str(year)]
        command += ["--la", LA_ONS_CODE]
        if prev is not None:
            command += ["--prev", str(prev)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            pytest.fail(f"the DfE rules did not run on {path}: {done.stderr[-2000:]}")
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    return run
