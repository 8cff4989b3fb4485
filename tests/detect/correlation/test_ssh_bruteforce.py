"""rules/correlation/ssh_bruteforce.yml over loghub's OpenSSH log (LabSZ, December 10)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secops.detect.correlation import CorrelationEngine, load_correlation_rules
from secops.detect.models import CorrelationMatch, RuleMatch, RuleMeta
from secops.normalize import normalize
from secops.records import RawRecord, Source

REPO = Path(__file__).resolve().parents[3]
LOG = REPO / ".." / "shared" / "samples" / "loghub" / "OpenSSH_2k.log"
RULE = REPO / "rules" / "correlation" / "ssh_bruteforce.yml"
ATTACKER = "183.62.140.253"
RECEIVED = calendar.timegm((2024, 12, 31, 0, 0, 0))
# stands for the detection engineer's rules/linux rule of that name
FAILED_LOGIN = RuleMeta(id="ssh-failed-login-under-test", name="secops_ssh_failed_login", title="t")


def base_rule_matches(lines: list[str]) -> list[RuleMatch]:
    """Normalise each line and keep what secops_ssh_failed_login matches."""
    out = []
    for i, line in enumerate(lines):
        record = RawRecord(
            source=Source("file", application="OpenSSH_2k.log"),
            received_at=RECEIVED,
            message=line,
            origin=f"OpenSSH_2k.log:{i}",
        )
        event = normalize(record)
        ev = event["event"]
        if ev.get("dataset") == "linux.sshd" and ev.get("action") == "ssh_failed_login":
            out.append(RuleMatch(rule=FAILED_LOGIN, event=event, event_id=record.record_id()))
    return out


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return LOG.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def rule() -> tuple[int, float]:
    specs, errors = load_correlation_rules([RULE])
    assert errors == []
    (spec,) = specs
    assert spec.type == "event_count"
    assert spec.group_by == ("source.ip",)
    assert spec.rules == ("secops_ssh_failed_login",)
    (threshold,) = spec.condition.thresholds
    assert threshold.op == "gte"
    return int(threshold.value), spec.timespan


def engine() -> CorrelationEngine:
    specs, _ = load_correlation_rules([RULE])
    return CorrelationEngine(specs, [FAILED_LOGIN])


def run(matches: list[RuleMatch]) -> list[CorrelationMatch]:
    eng = engine()
    return [c for m in matches for c in eng.observe(m)]


def attacker_lines(lines: list[str]) -> list[str]:
    return [ln for ln in lines if "Failed password" in ln and f"from {ATTACKER} " in ln]


def retimed(line: str, when: datetime) -> str:
    """The same log line at another time of the same day."""
    return re.sub(r"^\w{3} +\d+ \d\d:\d\d:\d\d", when.strftime("%b %d %H:%M:%S"), line)


def test_n_failures_fire_and_n_minus_one_do_not(lines: list[str], rule: tuple[int, float]) -> None:
    n, timespan = rule
    failures = base_rule_matches(attacker_lines(lines))
    first, last = failures[n - 1].event["@timestamp"], failures[0].event["@timestamp"]
    assert datetime.fromisoformat(first) - datetime.fromisoformat(last) < timedelta(
        seconds=timespan
    )
    assert run(failures[: n - 1]) == []
    (alert,) = run(failures[:n])
    assert alert.group == {"source.ip": ATTACKER}
    assert alert.value == n
    assert alert.event_ids == [m.event_id for m in failures[:n]]
    assert alert.rule.title == "SSH Password Brute Force From One Address"
    assert alert.rule.level == "high"


def test_the_window_slides_across_bucket_boundaries(
    lines: list[str], rule: tuple[int, float]
) -> None:
    n, timespan = rule
    sample = attacker_lines(lines)[:n]
    boundary = datetime(2024, 12, 10, 11, 0, tzinfo=UTC)  # a 5-minute bucket edge
    step = timespan / (n + 1)
    # half before the edge and half after, all within one timespan: no fixed bucket holds n
    straddling = [
        retimed(line, boundary + timedelta(seconds=(i - n // 2) * step))
        for i, line in enumerate(sample)
    ]
    (alert,) = run(base_rule_matches(straddling))
    assert alert.first_seen < "2024-12-10T11:00:00" < alert.last_seen
    # the same n attempts spread just wider than one timespan never fire
    spread = [
        retimed(line, boundary + timedelta(seconds=i * (timespan / (n - 1) + 1)))
        for i, line in enumerate(sample)
    ]
    assert run(base_rule_matches(spread)) == []


def reference_alerts(matches: list[RuleMatch], n: int, timespan: float) -> dict[str, int]:
    """The documented semantics, computed naively: per address, fire when the last
    `timespan` after the previous alert's last event holds n events."""
    times: dict[str, list[float]] = {}
    fence: dict[str, float] = {}
    alerts: dict[str, int] = {}
    for m in matches:
        ip = m.event["source"]["ip"]
        t = datetime.fromisoformat(m.event["@timestamp"]).timestamp()
        times.setdefault(ip, []).append(t)
        start = max(t - timespan, fence.get(ip, float("-inf")))
        if sum(1 for s in times[ip] if start < s <= t) >= n:
            alerts[ip] = alerts.get(ip, 0) + 1
            fence[ip] = t
    return alerts


def test_whole_log_gives_a_modest_number_of_alerts(
    lines: list[str], rule: tuple[int, float]
) -> None:
    n, timespan = rule
    matches = base_rule_matches(lines)
    attacker = [m for m in matches if m.event["source"]["ip"] == ATTACKER]
    assert len(attacker) == 286
    alerts = run(matches)
    per_ip: dict[str, int] = {}
    for a in alerts:
        per_ip[a.group["source.ip"]] = per_ip.get(a.group["source.ip"], 0) + 1
    assert per_ip == reference_alerts(matches, n, timespan)
    assert 1 <= per_ip[ATTACKER] <= len(attacker) // n
    # every alert covers n attempts, none of them reported twice
    reported = [eid for a in alerts for eid in a.event_ids]
    assert len(reported) == len(set(reported)) == n * len(alerts)
