"""Every GraphQL example in README.md runs against the demo county `make run` loads.

An example is a ```graphql block; the line before it names who runs it, as an HTML
comment the rendered README does not show:

    <!-- run as: social-worker -->
    <!-- run as: health, purpose: DIRECT_CARE -->

A block without one fails (every example says whose first step it is). Each runs with that
persona's token (and the partner's purpose) and must answer without errors and with data in
every root field:
an example that stops working, or that quietly finds nothing, fails the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo import county
from demo.personas import BY_NAME
from graph import FalkorDBStore
from hub.settings import Settings
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

README = Path(__file__).resolve().parents[2] / "README.md"
# An example may take one variable from the answer of the example before it, e.g.
# `<!-- run as: social-worker, contactId: recordContact.id -->`.
RUN_AS = re.compile(
    r"<!--\s*run as:\s*(?P<persona>[\w-]+)(?:,\s*purpose:\s*(?P<purpose>[A-Z_]+))?"
    r"(?:,\s*(?P<variable>\w+):\s*(?P<source>[\w.]+))?\s*-->"
)
FENCE = re.compile(r"^```graphql\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    line: int
    persona: str | None
    purpose: str | None
    operation: str
    # (variable, dotted path into the previous example's data)
    carried: tuple[str, str] | None = None


def readme_examples(text: str) -> list[Example]:
    """The ```graphql blocks of `text`, each with the persona named just before it."""
    examples = []
    for block in FENCE.finditer(text):
        before = text[: block.start()].rstrip().splitlines()
        named = RUN_AS.fullmatch(before[-1].strip()) if before else None
        examples.append(
            Example(
                line=text.count("\n", 0, block.start()) + 1,
                persona=named["persona"] if named else None,
                purpose=named["purpose"] if named else None,
                operation=block["body"],
                carried=(named["variable"], named["source"])
                if named and named["variable"]
                else None,
            )
        )
    return examples


def _at(data: Any, path: str) -> Any:
    """The value at a dotted path (`recordContact.id`) of an answer, or None."""
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _has_data(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_data(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_data(item) for item in value)
    return value is not None


def test_examples_are_found_with_their_persona() -> None:
    text = (
        "<!-- run as: health, purpose: DIRECT_CARE -->\n```graphql\n{ a }\n```\n"
        "prose\n```graphql\n{ b }\n```\n"
    )
    assert readme_examples(text) == [
        Example(2, "health", "DIRECT_CARE", "{ a }\n"),
        Example(6, None, None, "{ b }\n"),
    ]
    assert not _has_data({"searchChildren": [], "me": None})
    assert _has_data({"searchChildren": [{"id": "C1"}]})


async def test_every_readme_example_runs_against_the_demo_county(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    examples = readme_examples(README.read_text(encoding="utf-8"))
    assert examples, "README.md has no ```graphql examples"
    await county.load(store, county.generate("small"), show_progress=False)
    failures = []
    previous: Any = None
    for example in examples:
        where = f"README.md line {example.line}"
        if example.persona not in BY_NAME:
            failures.append(f"{where}: say who runs it (<!-- run as: PERSONA -->)")
            continue
        headers = bearer(settings, example.persona)
        if example.purpose:
            headers["X-Purpose"] = example.purpose
        variables = {}
        if example.carried:
            name, path = example.carried
            variables[name] = _at(previous, path)
        response = await client.post(
            "/graphql",
            json={"query": example.operation, "variables": variables},
            headers=headers,
        )
        body = response.json()
        previous = body.get("data")
        if response.status_code != 200 or body.get("errors"):
            failures.append(f"{where} as {example.persona}: {body.get('errors', body)}")
        elif not all(_has_data(answer) for answer in body["data"].values()):
            failures.append(f"{where} as {example.persona}: a field found nothing {body['data']}")
    assert failures == []
