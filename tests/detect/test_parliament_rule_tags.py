"""Sweep over the parliament rules: ATT&CK tags on every one, and the confidentiality tag
(which makes an alert `confidential`) exactly on those about documents."""

from __future__ import annotations

from typing import Any

import yaml

from secops.detect.loader import BUILTIN_RULES

CONFIDENTIAL = "secops.confidentiality"
DOCUMENT_CORRELATIONS = {"dms_bulk_retrieval", "dms_probing"}


def _rules() -> dict[str, dict[str, Any]]:
    paths = [
        *sorted((BUILTIN_RULES / "parliament").glob("*.yml")),
        *sorted((BUILTIN_RULES / "correlation").glob("*.yml")),
    ]
    return {
        p.stem: yaml.safe_load(p.read_text())
        for p in paths
        if not p.name.endswith(".tests.yml") and p.stem != "ssh_bruteforce"
    }


def _about_documents(name: str, rule: dict[str, Any]) -> bool:
    return (rule.get("logsource") or {}).get("service") == "dms" or name in DOCUMENT_CORRELATIONS


def test_every_parliament_rule_has_attack_tags_and_confidentiality_only_on_documents() -> None:
    rules = _rules()
    assert len(rules) >= 20
    wrong = []
    for name, rule in rules.items():
        tags = set(rule.get("tags") or [])
        if not any(t.startswith("attack.t") for t in tags):
            wrong.append(f"{name}: no ATT&CK technique")
        if (CONFIDENTIAL in tags) is not _about_documents(name, rule):
            wrong.append(
                f"{name}: {CONFIDENTIAL} tag {'missing' if CONFIDENTIAL not in tags else 'wrong'}"
            )
    assert not wrong, wrong
