"""The engine: routing and prefilter select fewer rules but never change the result."""

from __future__ import annotations

import gzip
import itertools
import json
from typing import Any

import pytest

from secops.detect.engine import DetectionEngine
from secops.detect.loader import BUILTIN_RULES, load_rules
from secops.detect.regression import read_json_objects, regression_cases
from secops.detect.ruleset import CompiledRule, RuleSet

from .helpers import SHARED, SIGMA, raw_event, rule_from, windows_event

PER_FILE = 3000


def _sample_events() -> list[dict]:
    events: list[dict] = []
    for path in sorted((SHARED / "samples" / "windows").glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in itertools.islice(lines, PER_FILE):
                events.append(windows_event(json.loads(line)))
    for case in regression_cases(SIGMA):
        events.extend(windows_event(obj) for obj in read_json_objects(case.json_path))
    ssh = (SHARED / "samples" / "loghub" / "OpenSSH_2k.log").read_text().splitlines()
    events.extend(raw_event(f"<38>{line}") for line in ssh[:500])
    return events


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return _sample_events()


@pytest.fixture(scope="module")
def all_rules(sigmahq_rules: RuleSet) -> RuleSet:
    ours = load_rules([BUILTIN_RULES], collect_errors=False)
    return sigmahq_rules.subset(sigmahq_rules.rules + ours.rules)


def test_fast_path_and_evaluate_all_agree_on_a_large_sample(
    all_rules: RuleSet, events: list[dict]
) -> None:
    fast, slow = DetectionEngine(all_rules), DetectionEngine(all_rules, evaluate_all=True)
    assert len(events) > 6000
    total = 0
    for i, event in enumerate(events):
        got = [m.rule.id for m in fast.match(event, str(i))]
        want = [m.rule.id for m in slow.match(event, str(i))]
        assert got == want, f"event {i}: {event.get('winlog', event.get('event'))}"
        total += len(got)
    assert total > 100  # the sample does make rules fire


def test_routing_and_prefilter_evaluate_a_small_share_of_rules(
    all_rules: RuleSet, events: list[dict]
) -> None:
    fast = DetectionEngine(all_rules)
    evaluated = sum(len(fast.candidates(e)) for e in events[:2000])
    assert evaluated / 2000 < len(all_rules.rules) / 20


def test_match_carries_rule_event_and_id() -> None:
    rule = rule_from({"sel": {"event.action": "vote_changed"}, "condition": "sel"})
    engine = DetectionEngine(RuleSet(rules=[rule]))
    event = {"event": {"dataset": "parliament.portal", "action": "vote_changed"}}
    (match,) = engine.match(event, "doc-1")
    assert match.rule.id == rule.meta.id
    assert match.event is event
    assert match.event_id == "doc-1"


def test_routing_keeps_rules_to_their_logsource() -> None:
    rule = rule_from(
        {"sel": {"event.action": "delete"}, "condition": "sel"},
        logsource={"product": "parliament", "service": "dms"},
    )
    for mode in (False, True):
        engine = DetectionEngine(RuleSet(rules=[rule]), evaluate_all=mode)
        assert engine.match({"event": {"dataset": "parliament.dms", "action": "delete"}}, "a")
        assert not engine.match({"event": {"dataset": "linux.sshd", "action": "delete"}}, "b")


def test_prefilter_skips_rules_whose_literal_is_absent() -> None:
    rule = rule_from(
        {"sel": {"url.original|contains": "/etc/passwd"}, "condition": "sel"},
        logsource={"category": "webserver"},
    )
    assert rule.literals == frozenset({"/etc/passwd"})
    engine = DetectionEngine(RuleSet(rules=[rule]))
    web = {"event": {"dataset": "nginx.access"}, "url": {"original": "/index.html"}}
    assert engine.candidates(web) == []
    web["url"]["original"] = "/x/../../ETC/PASSWD"
    assert engine.candidates(web) == [rule]
    assert engine.match(web, "1")


def test_rules_without_literal_are_always_evaluated_where_routed() -> None:
    negated = rule_from(
        {"sel": {"user.name": "x"}, "condition": "not sel"}, logsource={"product": "linux"}
    )
    assert negated.literals is None
    engine = DetectionEngine(RuleSet(rules=[negated]))
    assert engine.candidates({"event": {"dataset": "linux.sshd"}}) == [negated]
    assert engine.match({"event": {"dataset": "linux.sshd"}, "user": {"name": "y"}}, "1")


def test_a_rule_of_an_unmapped_product_is_never_evaluated() -> None:
    negated = rule_from(
        {"sel": {"user.name": "x"}, "condition": "not sel"}, logsource={"product": "nowhere"}
    )
    assert negated.routes == ()
    engine = DetectionEngine(RuleSet(rules=[negated]))
    assert engine.candidates({"event": {"dataset": "linux.sshd"}}) == []
    assert engine.match({"user": {"name": "y"}}, "1") == []


def test_list_values_reach_the_prefilter() -> None:
    rule = rule_from(
        {"sel": {"a0|contains": "mimipenguin"}, "condition": "sel"},
        logsource={"product": "linux", "service": "auditd"},
    )
    engine = DetectionEngine(RuleSet(rules=[rule]))
    event = {
        "event": {"dataset": "linux.auditd"},
        "auditd": {"log": {"a0": ["sh", "./MimiPenguin.sh"]}},
    }
    assert engine.match(event, "1")


def _both(rules: list[CompiledRule], event: dict) -> tuple[list[str], list[str]]:
    fast, slow = (DetectionEngine(RuleSet(rules=rules), evaluate_all=m) for m in (False, True))
    return [m.rule.id for m in fast.match(event, "1")], [m.rule.id for m in slow.match(event, "1")]


def test_keyword_rules_are_found_through_the_full_text_screen() -> None:
    rule = rule_from(
        {"keywords": ["sekurlsa::", "gentilkiwi.com", "mimidrv.sys"], "condition": "keywords"},
        logsource={"product": "windows"},
    )
    event = {"event": {"dataset": "windows", "original": '{"x": "see GentilKiwi.COM"}'}}
    assert _both([rule], event) == ([rule.meta.id], [rule.meta.id])
    event["event"]["original"] = '{"x": "kiwi::"}'  # the screen passes, the rule does not
    assert _both([rule], event) == ([], [])
    assert DetectionEngine(RuleSet(rules=[rule])).candidates({"message": "nothing"}) == []


def test_rules_without_literal_are_gated_on_the_number_they_require() -> None:
    rule = rule_from(
        {"sel": {"EventID": [4728, 4729]}, "condition": "sel"},
        logsource={"product": "windows", "service": "security"},
    )
    assert rule.literals is None
    engine = DetectionEngine(RuleSet(rules=[rule]))
    winlog: dict[str, Any] = {"channel": "Security", "event_id": "4624"}
    event = {"event": {"dataset": "windows"}, "winlog": winlog}
    assert engine.candidates(event) == []
    for value in ("4729", "04729", 4729, ["1", "4728"]):
        winlog["event_id"] = value
        assert engine.candidates(event) == [rule]
        assert _both([rule], event) == ([rule.meta.id], [rule.meta.id])


@pytest.mark.parametrize("value", ["Security", "SECURITY", 1, 1.0, True, None, ["Security"]])
def test_routing_memo_gives_the_routes_of_a_fresh_router(value: object) -> None:
    rule = rule_from(
        {"sel": {"EventID": 1}, "condition": "sel"},
        logsource={"product": "windows", "service": "security"},
    )
    engine = DetectionEngine(RuleSet(rules=[rule]))
    for other in ("Security", 1, True, "1", "true"):  # fill the memo with look-alikes first
        engine.match({"event": {"dataset": "windows"}, "winlog": {"channel": other}}, "0")
    event = {"event": {"dataset": "windows"}, "winlog": {"channel": value, "event_id": 1}}
    assert [m.rule.id for m in engine.match(event, "1")] == _both([rule], event)[1]


def test_a_rule_is_evaluated_only_when_each_of_its_literal_groups_is_found() -> None:
    rule = rule_from(
        {
            "a": {"TargetImage|endswith": "\\lsass.exe"},
            "b": {"CallTrace|contains": "dbghelp.dll"},
            "condition": "a and b",
        },
        logsource={"product": "windows", "category": "process_access"},
    )
    engine = DetectionEngine(RuleSet(rules=[rule]))
    data = {"TargetImage": "C:\\Windows\\System32\\lsass.exe", "CallTrace": "ntdll.dll"}
    channel = "Microsoft-Windows-Sysmon/Operational"
    event = {
        "event": {"dataset": "windows"},
        "winlog": {"channel": channel, "event_id": "10", "event_data": data},
    }
    assert engine.candidates(event) == []
    data["CallTrace"] = "x|DbgHelp.dll+0x12"
    assert engine.candidates(event) == [rule]
    assert _both([rule], event) == ([rule.meta.id], [rule.meta.id])
