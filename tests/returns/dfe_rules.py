"""Run the DfE's published validation rules on a return and print the failures as JSON.

Runs under the validators' own interpreter (Python 3.9-3.11, see the Makefile's
`.venv-dfe`), never the hub's: the packages pin pandas < 2. The tests call it as a
subprocess:

    .venv-dfe/bin/python tests/returns/dfe_rules.py 903 DIR --year 2026 --la E10000015 [--prev DIR]
    .venv-dfe/bin/python tests/returns/dfe_rules.py cin FILE.xml --year 2026

Output (stdout, one JSON object): the rule set, how many rules ran, the rules skipped for a
missing table, the rules that raised (the packages count those as passes; here they are
reported), and per failing rule code its message and the child ids it names.
Each 903 rule runs on its own deep copy of the tables: the package passes shallow copies,
so a rule that edits a table in place (rule 365 fills blank DEC) changes what later rules see.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any


def _deep_copy(tables: dict[str, Any]) -> dict[str, Any]:
    return {name: (t if name == "metadata" else t.copy(deep=True)) for name, t in tables.items()}


def _as_package_runs_it(code: str, tables: dict[str, Any]) -> dict[str, Any]:
    """Rule SW12STG2 was written against tables that rule 365 had already changed in the
    package's own run (365 fills every blank DEC with 31 March, in place, and runs first):
    run alone it flags every open episode. It gets that change, and no other rule does."""
    if code == "SW12STG2" and "Episodes" in tables:
        episodes = tables["Episodes"]
        episodes.loc[episodes["DEC"].isna(), "DEC"] = tables["metadata"]["collection_end"]
    return tables


def run_903(folder: Path, previous: Path | None, year: str, la: str) -> dict[str, Any]:
    from lac_validator.datastore import create_datastore
    from lac_validator.ingress import read_from_text
    from lac_validator.rules.ruleset_utils import get_year_ruleset
    from lac_validator.types import UploadedFile

    files = [
        UploadedFile(name=str(p), description="This year", file_content=p.read_bytes())
        for p in sorted(folder.glob("*.csv"))
    ]
    if previous is not None:
        files += [
            UploadedFile(name=str(p), description="Prev year", file_content=p.read_bytes())
            for p in sorted(previous.glob("*.csv"))
        ]
    tables, extras = read_from_text(raw_files=files)
    metadata = {"collectionYear": year, "localAuthority": la, **extras}
    store = create_datastore(tables, metadata)
    registry = get_year_ruleset(year)
    ran, skipped, crashed, failures = 0, [], {}, {}
    for code, rule in registry.items():
        try:
            result = rule.func(_as_package_runs_it(str(code), _deep_copy(store)))
        except Exception as problem:  # the package hides these; the tests must see them
            crashed[str(code)] = f"{type(problem).__name__}: {problem}"
            continue
        if result == {}:
            skipped.append(str(code))
            continue
        ran += 1
        children: set[str] = set()
        rows = 0
        for table, positions in result.items():
            frame = store[table]
            for position in positions:
                if position is None or position != position:  # NaN
                    continue
                rows += 1
                if "CHILD" in frame.columns and position in frame.index:
                    children.add(str(frame.loc[position, "CHILD"]))
        if rows:
            failures[str(code)] = {
                "message": rule.message,
                "children": sorted(children),
                "rows": rows,
            }
    return {
        "return": "903",
        "tables": {name: len(t) for name, t in store.items() if name != "metadata"},
        "rules": len(registry),
        "ran": ran,
        "skipped": sorted(skipped),
        "crashed": crashed,
        "failures": failures,
    }


def _one_review_date_a_group(root: ET.Element) -> None:
    """The validator's ingress reads only the first CPPreviewDate of a Reviews group, though
    the DfE's XSD puts all of a plan's review dates in one: each date gets a group of its
    own here, so the review rules see every date the return holds."""
    for plan in root.iter("ChildProtectionPlans"):
        for group in plan.findall("Reviews"):
            dates = group.findall("CPPreviewDate")
            at = list(plan).index(group)
            plan.remove(group)
            for offset, day in enumerate(dates):
                single = ET.Element("Reviews")
                single.append(day)
                plan.insert(at + offset, single)


def run_cin(path: Path, year: str) -> dict[str, Any]:
    from cin_validator import cin_validator as cv
    from cin_validator.rules.ruleset_utils import get_year_ruleset

    root = ET.parse(path).getroot()  # noqa: S314 - the hub's own output, in a test
    if root.tag.startswith("{"):
        # The validator's ingress cannot read a namespaced document (it matches bare tags).
        for element in root.iter():
            element.tag = element.tag.split("}", 1)[1]
    _one_review_date_a_group(root)
    registry = get_year_ruleset(year)
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        tables = cv.process_data(cv.convert_data(root))
        validator = cv.CinValidator(tables, registry, selected_rules=None)
    # The package prints "Error with rule CODE: ..." and carries on as if it passed.
    crashed = {}
    for line in captured.getvalue().splitlines():
        if line.startswith("Error with rule"):
            code, _, message = line[len("Error with rule ") :].partition(":")
            crashed[code.strip()] = message.strip()
    failures: dict[str, dict[str, Any]] = {}
    issues = validator.full_issue_df
    for code, group in issues.groupby("rule_code"):
        failures[str(code)] = {
            "message": str(group["rule_description"].iloc[0]),
            "children": sorted({str(c) for c in group["child_id"].dropna()}),
            "rows": len(group),
            "query": str(code).endswith("Q"),
        }
    for _, row in validator.multichild_issues.iterrows():
        code = str(row["rule_code"])
        entry = failures.setdefault(
            code,
            {
                "message": str(row["rule_description"]),
                "children": [],
                "rows": 0,
                "query": code.endswith("Q"),
            },
        )
        entry["rows"] += 1
        entry["return_level"] = True
    return {
        "return": "cin",
        "rules": len(registry),
        "crashed": crashed,
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["903", "cin"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--year", required=True, help="the collection's end year, e.g. 2026")
    parser.add_argument("--prev", type=Path, help="last year's 903 tables")
    parser.add_argument("--la", default="E10000015", help="the LA's ONS code")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # lac_validator configures INFO logging at import
    with contextlib.redirect_stdout(sys.stderr):
        if args.kind == "903":
            report = run_903(args.path, args.prev, args.year, args.la)
        else:
            report = run_cin(args.path, args.year)
    print(json.dumps(report, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
