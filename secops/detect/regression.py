"""SigmaHQ regression samples: which rule must fire how often on which events.

A rule with ``regression_tests_path`` has, under ``regression_data/``, a folder
mirroring the rule's path with an ``info.yml`` naming the rule id and each test
(an ``.evtx`` file, its ``.json`` rendering in evtx-rs layout, and
``match_count``, 1 when absent). :func:`regression_cases` lists them;
:func:`read_json_objects` reads the rendering (several JSON objects one after
another). Running the events (through this engine, or through the whole
pipeline and the store) is the caller's part: count the rule's matches and call
:meth:`RegressionCase.failure`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class RegressionCase:
    rule_id: str
    title: str
    rule_path: Path  # where the rule itself lives in the Sigma tree
    json_path: Path  # the evtx-rs JSON rendering of the sample
    match_count: int  # the rule must fire at least this often on the sample

    @property
    def name(self) -> str:
        return self.rule_path.stem

    def failure(self, fired: int) -> str | None:
        """None when the rule fired often enough, else why not."""
        if fired >= self.match_count:
            return None
        return (
            f"{self.rule_path}: fired {fired} times on {self.json_path.name}, "
            f"expected at least {self.match_count}"
        )


def regression_cases(sigma_root: Path) -> list[RegressionCase]:
    """Every regression test of a SigmaHQ tree that has a JSON rendering."""
    root = Path(sigma_root)
    cases: list[RegressionCase] = []
    for info_path in sorted((root / "regression_data").rglob("info.yml")):
        info = yaml.safe_load(info_path.read_text(encoding="utf-8")) or {}
        meta = (info.get("rule_metadata") or [{}])[0]
        rel = info_path.parent.relative_to(root / "regression_data")
        rule_path = root / rel.parent / f"{rel.name}.yml"
        for test in info.get("regression_tests_info") or []:
            evtx = Path(str(test.get("path", "")))
            json_path = root / evtx.with_suffix(".json")
            if not json_path.is_file():
                json_path = info_path.parent / f"{evtx.stem}.json"
            if not json_path.is_file():
                continue
            cases.append(
                RegressionCase(
                    rule_id=str(meta.get("id", "")),
                    title=str(meta.get("title", "")),
                    rule_path=rule_path,
                    json_path=json_path,
                    match_count=int(test.get("match_count", 1)),
                )
            )
    return cases


def read_json_objects(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a file that holds several one after another."""
    text = Path(path).read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    objects: list[dict[str, Any]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return objects
        obj, pos = decoder.raw_decode(text, pos)
        objects.append(obj)
