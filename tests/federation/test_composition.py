"""The exported SDL composes with the real npm federation tooling (installed by make test)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from schema import build_internal_schema

HERE = Path(__file__).parent


def test_the_subgraph_sdl_composes_with_apollo_and_the_guild(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "node is needed (make test installs the npm tooling)"
    sdl = tmp_path / "lcs-hub.graphql"
    sdl.write_text(build_internal_schema().as_str())
    result = subprocess.run(
        [node, str(HERE / "compose.mjs"), str(sdl)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["apollo"]
    assert outcome["guild"]
    assert sorted(outcome["entities"]) == ["Case", "Child", "Document", "Family", "Person"]


def test_the_cli_prints_the_same_sdl() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lcs-hub"), "sdl"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == build_internal_schema().as_str().strip()
    assert '@link(url: "https://specs.apollo.dev/federation/v2.9"' in result.stdout
