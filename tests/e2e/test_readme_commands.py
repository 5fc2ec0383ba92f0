"""Every command the README names exists, with every option it shows.

The GraphQL examples run against the demo county (test_readme.py), and each command's
behaviour has its own tests (returns, export/import, the gateway, the benchmarks at a
tiny size). What rots silently is the README's spelling of a command: a renamed option, a
module moved, a file that is no longer there. So each command line in the README is
checked here against the thing it names: an `lcs-hub` subcommand or a `python -m` module
must answer `--help` and list every option the line uses; a `node` script or a binary
must exist; a `make` target must be in the Makefile.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# A command is an indented line of a code block, or an inline `code span`, starting with
# one of the programs the README tells a reader to run.
PROGRAMS = (
    ".venv/bin/lcs-hub ",
    "lcs-hub ",
    ".venv/bin/python -m ",
    "node ",
    "node_modules/.bin/",
    "make ",
)
INDENTED = re.compile(r"^ {4}(?P<line>\S.*)$", re.MULTILINE)
# A span may wrap onto the next line of the paragraph.
INLINE = re.compile(r"`(?P<line>[^`\n]+(?:\n[^`\n]+)?)`")


@dataclass(frozen=True)
class Command:
    line: int
    text: str


def readme_commands(text: str) -> list[Command]:
    """The command lines of `text` (comments and `[optional]` brackets taken off)."""
    found: dict[str, Command] = {}
    for pattern in (INDENTED, INLINE):
        for match in pattern.finditer(text):
            line = match["line"].replace("\n", " ").split(" #", 1)[0].strip()
            while re.match(r"^[A-Z_]+=\S+\s+", line):  # leading VAR=value settings
                line = re.sub(r"^[A-Z_]+=\S+\s+", "", line, count=1)
            if not (line + " ").startswith(PROGRAMS):
                continue
            line = line.split(" > ", 1)[0].replace("[", " ").replace("]", " ")
            line = " ".join(line.split())
            found.setdefault(line, Command(text.count("\n", 0, match.start()) + 1, line))
    return list(found.values())


def _help(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(args)} --help: {result.stderr[-500:]}"
    return result.stdout


def _options(words: list[str]) -> list[str]:
    return [word.split("=", 1)[0] for word in words if word.startswith("--")]


def _problems(command: Command) -> list[str]:
    words = shlex.split(command.text)
    where = f"README.md line {command.line}: {command.text}"
    if words[0] in (".venv/bin/lcs-hub", "lcs-hub"):
        subcommand = [w for w in words[1:] if not w.startswith("-")][:2]
        # `returns 903` and `ingest ehm` take a positional; only the first word is a command.
        shown = _help("-m", "hub.cli", *subcommand[:1])
        missing = [option for option in _options(words) if option not in shown]
        return [f"{where}: no option {option}" for option in missing]
    if words[0] == ".venv/bin/python":
        shown = _help("-m", words[2])
        missing = [option for option in _options(words[3:]) if option not in shown]
        return [f"{where}: no option {option}" for option in missing]
    if words[0] == "node":
        script = ROOT / words[1]
        return [] if script.is_file() else [f"{where}: no file {words[1]}"]
    if words[0].startswith("node_modules/.bin/"):
        # Installed by `npm ci` (make test), from package.json.
        return [] if (ROOT / words[0]).exists() else [f"{where}: no program {words[0]}"]
    if words[0] == "make":
        targets = re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE)
        return [f"{where}: no make target {t}" for t in words[1:] if t not in targets]
    return [f"{where}: not a command this test knows"]


def test_commands_are_found_in_code_blocks_and_spans() -> None:
    text = (
        "    make run     # comment\n"
        "prose `.venv/bin/python -m bench.load [--size small]` and `lcs-hub` alone\n"
        "    LCS_HUB_GRAPH_URL=x lcs-hub import hub.jsonl\n"
    )
    assert [c.text for c in readme_commands(text)] == [
        "make run",
        "lcs-hub import hub.jsonl",
        ".venv/bin/python -m bench.load --size small",
        "lcs-hub",
    ]


def test_a_missing_option_is_reported() -> None:
    assert _problems(Command(1, ".venv/bin/lcs-hub export --no-such-option FILE")) == [
        "README.md line 1: .venv/bin/lcs-hub export --no-such-option FILE: "
        "no option --no-such-option"
    ]


@pytest.mark.parametrize(
    "command", readme_commands(README.read_text(encoding="utf-8")), ids=lambda c: c.text[:60]
)
def test_every_readme_command_exists_with_its_options(command: Command) -> None:
    assert _problems(command) == []
