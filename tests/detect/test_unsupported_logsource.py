"""A rule applies only where its logsource is known.

A rule whose logsource no mapping entry covers is loaded but inactive (state
``unsupported_logsource``, with the logsource in the reason); a user mapping file
that adds the logsource activates it; only a rule without logsource keys runs on
every event.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.detect.mapping import FieldMapping
from secops.detect.ruleset import RuleSet
from secops.detect.validate import validate

from .helpers import SHARED, SIGMA, rule_from, windows_event

ZEEK_RDP = SIGMA / "rules" / "network" / "zeek" / "zeek_rdp_public_listener.yml"
CISCO_DELETE = SIGMA / "rules" / "network" / "cisco" / "aaa" / "cisco_cli_file_deletion.yml"
ZEEK_RDP_ID = "1fc0809e-06bf-4de3-ad52-25e5263b7623"
OTRF = SHARED / "samples" / "windows" / "otrf_cmd_wevtutil_modify_security_eventlog_path.json.gz"


def _otrf_events(limit: int) -> list[dict]:
    events = []
    with gzip.open(OTRF, "rt", encoding="utf-8") as lines:
        for line in lines:
            events.append(windows_event(json.loads(line)))
            if len(events) == limit:
                break
    return events


def test_zeek_and_cisco_rules_load_inactive_and_fire_on_no_windows_event() -> None:
    ruleset = load_rules([ZEEK_RDP, CISCO_DELETE], collect_errors=False)
    assert len(ruleset.rules) == 2
    reasons = {r.meta.title: r.unsupported for r in ruleset.unsupported}
    assert reasons == {
        "Publicly Accessible RDP Service": "unsupported logsource: "
        "no mapping entry covers product=zeek, service=rdp",
        "Cisco File Deletion": "unsupported logsource: "
        "no mapping entry covers product=cisco, service=aaa",
    }
    events = _otrf_events(500)
    for engine in (DetectionEngine(ruleset), DetectionEngine(ruleset, evaluate_all=True)):
        assert [m for i, e in enumerate(events) for m in engine.match(e, str(i))] == []
        assert engine.candidates(events[0]) == []


def test_validate_lists_inactive_rules_with_their_logsource(tmp_path: Path) -> None:
    report = validate([ZEEK_RDP])
    assert report.ok  # inactive is not an error
    assert report.loaded == 1
    assert report.unsupported == (
        f"{ZEEK_RDP}: Publicly Accessible RDP Service: unsupported logsource: "
        "no mapping entry covers product=zeek, service=rdp",
    )
    lines = report.lines()
    assert lines[0].startswith(f"inactive (unsupported_logsource): {ZEEK_RDP}: ")
    assert lines[-1] == "1 rules loaded (1 inactive), 0 correlation rules, 0 rejected"


def test_a_user_mapping_file_that_adds_the_logsource_activates_the_rule(tmp_path: Path) -> None:
    user = tmp_path / "zeek.yml"
    user.write_text(
        "logsources:\n"
        "  - logsource: {product: zeek, service: rdp}\n"
        "    conditions: [{event.dataset: zeek.rdp}]\n"
        "fields:\n"
        "  - logsource: {product: zeek}\n"
        "    fields: {id.orig_h: source.ip}\n"
    )
    assert validate([ZEEK_RDP], mapping_file=user).unsupported == ()
    ruleset = load_rules([ZEEK_RDP], mapping=FieldMapping.load(user), collect_errors=False)
    (rule,) = ruleset.rules
    assert rule.active
    engine = DetectionEngine(ruleset)
    public = {"event": {"dataset": "zeek.rdp"}, "source": {"ip": "203.0.113.9"}}
    private = {"event": {"dataset": "zeek.rdp"}, "source": {"ip": "10.1.2.3"}}
    windows = _otrf_events(1)[0]
    assert [m.rule.id for m in engine.match(public, "1")] == [ZEEK_RDP_ID]
    assert engine.match(private, "2") == []
    assert engine.match(windows, "3") == []


def test_only_a_rule_without_logsource_keys_applies_to_every_event() -> None:
    # pySigma refuses an empty logsource, so in practice every rule is routed somewhere.
    assert FieldMapping.load().routes({}) is None
    unknown_category = rule_from(
        {"sel": {"user.name": "root"}, "condition": "sel"},
        logsource={"product": "linux", "category": "no_such_category"},
    )
    assert unknown_category.routes == ()
    assert unknown_category.unsupported == (
        "unsupported logsource: no mapping entry covers product=linux, category=no_such_category"
    )


@pytest.mark.parametrize(
    "logsource",
    [
        {"product": "windows", "service": "no-such-channel"},
        {"product": "windows", "category": "webserver"},  # web entries name no product
        {"category": "firewall"},
    ],
)
def test_a_partly_known_logsource_is_not_covered(logsource: dict[str, str]) -> None:
    rule = rule_from({"sel": {"TargetUserName": "root"}, "condition": "sel"}, logsource=logsource)
    assert not rule.active
    assert rule.routes == ()
    event = {
        "event": {"dataset": "windows"},
        "winlog": {"channel": "Security", "event_data": {"TargetUserName": "root"}},
        "TargetUserName": "root",
    }
    assert rule.matcher(event)  # the detection alone would fire...
    assert DetectionEngine(RuleSet(rules=[rule])).match(event, "1") == []  # ...but it is inactive
