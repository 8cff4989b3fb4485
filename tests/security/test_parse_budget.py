"""A record that still exceeds a parse budget is stored unparsed and tagged, never
parsed for ever: per-record field caps in the tokenisers, a CPU-time budget in the
normalising stage, and a durable guard against a record the process died on."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from elasticsearch import Elasticsearch
from polling import wait_until

from secops.accounting import SourceAccounting
from secops.context import Context
from secops.normalize import normalize
from secops.normalize.base import MAX_FIELDS
from secops.normalize.ecs import MAX_DEPTH
from secops.pipeline.normalizing import BUDGET_TAG, normalize_batch
from secops.pipeline.parse_guard import INFLIGHT_FILE, STRIKES_FILE, ParseGuard
from secops.pipeline.worker import Worker
from secops.records import RawRecord, Source
from secops.spool import Spool

from . import parse_freeze_helper as helper

SRC = Source("file", host="h")


def rec(message: str | None = None, *, origin: str = "", **kwargs: object) -> RawRecord:
    return RawRecord(source=SRC, received_at=1767225600.0, message=message, origin=origin,
                     **kwargs)  # type: ignore[arg-type]  # fmt: skip


# -- field caps: the first MAX_FIELDS fields are read, the event is tagged ----------


def test_dms_fields_past_the_cap_are_left_in_the_original() -> None:
    junk = " ".join(f"k{i}=v" for i in range(MAX_FIELDS + 100))
    line = f"app=dms user=bob action=view doc_id=D-1 classification=secret {junk} result=denied"
    ev = normalize(rec(line))
    assert ev["event"]["dataset"] == "parliament.dms"
    assert ev["tags"] == ["fields_truncated"]
    assert ev["user"]["name"] == "bob"
    assert ev["parliament"]["document"]["classification"] == "secret"
    assert "result" not in ev["parliament"]  # past the cap
    assert ev["event"]["original"] == line


def test_auditd_fields_past_the_cap() -> None:
    args = " ".join(f"a{i}=x{i}" for i in range(MAX_FIELDS + 100))
    ev = normalize(rec(f"type=EXECVE msg=audit(1700000000.1:9): argc={MAX_FIELDS + 100} {args}"))
    assert ev["tags"] == ["fields_truncated"]
    assert ev["process"]["args"][:2] == ["x0", "x1"]
    assert len(ev["process"]["args"]) == MAX_FIELDS - 1  # argc took one field


def test_syslog_structured_data_past_the_cap() -> None:
    params = " ".join(f'p{i}="v"' for i in range(MAX_FIELDS + 100))
    ev = normalize(rec(f'<13>1 2025-03-01T10:00:00Z h app 1 ID [a {params}][b x="y"] hi'))
    assert ev["tags"] == ["fields_truncated"]
    assert len(ev["log"]["syslog"]["structured_data"]["a"]) == MAX_FIELDS
    assert ev["message"] == "hi"


def test_cef_extensions_past_the_cap() -> None:
    ext = " ".join(f"cs{i}=v" for i in range(MAX_FIELDS + 100))
    ev = normalize(rec(f"CEF:0|A|B|1|2|N|5|src=10.0.0.1 {ext}"))
    assert ev["tags"] == ["fields_truncated"]
    assert ev["source"]["ip"] == "10.0.0.1"
    assert len(ev["cef"]["extensions"]) == MAX_FIELDS


def test_ecs_dotted_key_depth_is_capped() -> None:
    key = ".".join(f"k{i}" for i in range(1000))
    ev = normalize(rec(structured={"@timestamp": 0, "user.name": "bob", key: 1}))
    assert ev["tags"] == ["fields_truncated"]
    assert ev["user"]["name"] == "bob"
    node, depth = ev["k0"], 1
    while isinstance(node, dict):
        node = next(iter(node.values()))
        depth += 1
    assert depth == MAX_DEPTH
    assert node == 1


# -- the CPU-time budget of the normalising stage ----------------------------------


def test_a_record_over_the_budget_is_stored_unparsed_and_tagged() -> None:
    ticks = itertools.count(step=10.0)  # every normalise "takes" 10 s
    records = [
        rec("<13>Jan  1 00:00:00 h sshd[1]: Failed password for root from 10.0.0.1 port 22"),
        rec("type=SYSCALL msg=audit(1.0:5): a0=1", origin="a"),
        rec('type=EXECVE msg=audit(1.0:5): a0="ls"', origin="b"),
    ]
    groups = normalize_batch(records, budget=2.0, clock=lambda: next(ticks))
    assert [len(g) for g, _ in groups] == [1, 2]
    for group, event in groups:
        assert event["tags"] == ["unparsed", BUDGET_TAG]
        assert "budget 2 s" in event["error"]["message"]
        assert event["event"]["original"] == "\n".join(r.message or "" for r in group)


def test_a_record_within_the_budget_is_parsed() -> None:
    ticks = itertools.count(step=1.0)
    groups = normalize_batch([rec("<13>Jan  1 00:00:00 h sshd[1]: Invalid user x from ::1")],
                             budget=2.0, clock=lambda: next(ticks))  # fmt: skip
    assert groups[0][1]["event"]["dataset"] == "linux.sshd"
    assert "tags" not in groups[0][1]


# -- the poison-record guard -------------------------------------------------------


def _three(tmp: str = "") -> list[RawRecord]:
    return [
        rec(f"<13>Jan  1 00:00:00 h sshd[1]: Invalid user u{i} from 10.0.0.{i}", origin=f"s:{i}")
        for i in range(3)
    ]


def _crash_on(directory: Path, record: RawRecord) -> None:
    """Leave the guard's files as a process that died normalising ``record`` does."""
    crashed = ParseGuard(directory)
    crashed.enter(record.record_id())
    crashed.close()  # the process died here: the marker stays on disk


def test_one_death_on_a_record_parses_it_once_more(tmp_path: Path) -> None:
    """A kill -9 that lands on a healthy record does not cost that record its fields."""
    records = _three()
    _crash_on(tmp_path, records[1])
    guard = ParseGuard(tmp_path)
    assert guard.poisoned == set()
    events = [event for _, event in normalize_batch(records, guard=guard)]
    assert [e["event"]["dataset"] for e in events] == ["linux.sshd"] * 3
    guard.close()
    # parsed to the end: the strike is forgotten, a later death starts again at one
    assert (tmp_path / STRIKES_FILE).read_text().split() == []
    _crash_on(tmp_path, records[1])
    assert ParseGuard(tmp_path).poisoned == set()


def test_two_deaths_in_a_row_on_a_record_poison_that_record_only(tmp_path: Path) -> None:
    records = _three()
    _crash_on(tmp_path, records[1])
    ParseGuard(tmp_path).close()  # restarted, and died on the same record again:
    _crash_on(tmp_path, records[1])

    guard = ParseGuard(tmp_path)
    assert guard.poisoned == {records[1].record_id()}
    events = [event for _, event in normalize_batch(records, guard=guard)]
    assert [e["event"]["dataset"] for e in events] == ["linux.sshd", "unparsed", "linux.sshd"]
    assert events[1]["tags"] == ["unparsed", BUDGET_TAG]
    assert events[1]["event"]["original"] == records[1].message
    assert [events[0]["user"]["name"], events[2]["user"]["name"]] == ["u0", "u2"]
    assert (tmp_path / INFLIGHT_FILE).read_text().strip() == ""  # batch done
    guard.close()
    # the poisoned id is durable: a later process still does not parse that record
    again = ParseGuard(tmp_path)
    assert again.poisoned == {records[1].record_id()}
    again.close()


def test_a_clean_batch_leaves_nothing_poisoned(tmp_path: Path) -> None:
    guard = ParseGuard(tmp_path)
    normalize_batch(_three(), guard=guard)
    guard.close()
    assert ParseGuard(tmp_path).poisoned == set()


def _freeze_and_kill(directory: Path, frozen: str, *, deaths_before: int) -> None:
    """Run the freezing helper on ``directory`` and kill it inside the frozen record.

    A marker left by an earlier death names the same record: the helper is inside it
    only once it has counted that death (in the strikes file) and entered it again.
    """
    marker = directory / INFLIGHT_FILE
    strikes = directory / STRIKES_FILE
    repo = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.security.parse_freeze_helper", "--dir", str(directory)],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    try:

        def inside() -> bool:
            counted = strikes.exists() and f"{frozen} {deaths_before}" in strikes.read_text()
            entered = marker.exists() and marker.read_text().strip() == frozen
            return child.poll() is not None or ((counted or not deaths_before) and entered)

        wait_until(inside, timeout=60, what="the helper to reach the freezing record")
        assert child.poll() is None, "the helper ended instead of freezing"
        time.sleep(0.5)  # well inside the backtracking scan
        assert child.poll() is None
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)


def test_a_process_killed_twice_mid_record_does_not_parse_it_again(tmp_path: Path) -> None:
    records = helper.records()
    frozen = records[1].record_id()
    for deaths in range(2):  # frozen, restarted by the operator, frozen again
        _freeze_and_kill(tmp_path, frozen, deaths_before=deaths)

    guard = ParseGuard(tmp_path)  # the restarted process, with the real parsers
    events = [event for _, event in normalize_batch(records, guard=guard)]
    guard.close()
    assert events[1]["tags"] == ["unparsed", BUDGET_TAG]
    assert events[1]["event"]["original"] == helper.FREEZER
    assert events[0]["event"]["action"] == "ssh_failed_login"
    assert events[2]["event"]["action"] == "ssh_login"


def test_worker_stores_the_poisoned_record_and_commits_past_it(
    ctx: Context, es: Elasticsearch
) -> None:
    """After a restart, the worker stores the record its predecessor died on, unparsed
    and tagged, and commits the batch: the record is not replayed again."""
    spool = Spool(ctx.settings.spool_dir, max_bytes=ctx.settings.spool_max_bytes)
    spool.append(_three())
    in_spool = [record for _, record in spool.read(10)]
    spool.rewind()
    for _ in range(2):  # as two processes that died on it in a row left it
        _crash_on(spool.directory, in_spool[1])
        ParseGuard(spool.directory).close()

    worker = Worker(spool=spool, es=ctx.es, names=ctx.names, accounting=SourceAccounting())
    assert worker.run_once() == 3
    assert spool.caught_up()
    es.indices.refresh(index=ctx.names.events_pattern)
    hits = es.search(index=ctx.names.events_pattern, size=10)["hits"]["hits"]
    by_id = {h["_source"]["secops"]["record_id"]: h["_source"] for h in hits}
    poisoned = by_id[in_spool[1].record_id()]
    assert poisoned["tags"] == ["unparsed", BUDGET_TAG]
    assert poisoned["event"]["original"] == in_spool[1].message
    others = [by_id[r.record_id()] for r in (in_spool[0], in_spool[2])]
    assert [e["event"]["dataset"] for e in others] == ["linux.sshd", "linux.sshd"]
    counts = worker.accounting.snapshot()[("file", "h", "")]
    assert (counts.parsed, counts.unparsed, counts.indexed) == (2, 1, 3)
    worker.stop()
    spool.close()
