"""The spool: durable appends, ordered reads, commits, restarts, bounds, torn tails."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import pytest

from secops.errors import SpoolError, SpoolFullError
from secops.records import RawRecord, Source
from secops.spool import Position, Spool
from secops.spool.codec import encode
from secops.spool.segments import list_segments, segment_path

SRC = Source("syslog-tcp", host="h1", application="app")


def recs(start: int, n: int, *, origin: str = "") -> list[RawRecord]:
    return [
        RawRecord(source=SRC, received_at=1.5, message=f"line {i}", origin=origin)
        for i in range(start, start + n)
    ]


def messages(batch: list[tuple[Position, RawRecord]]) -> list[str]:
    return [r.message or "" for _, r in batch]


def drain(spool: Spool) -> list[tuple[Position, RawRecord]]:
    out = []
    while batch := spool.read(1000):
        out.extend(batch)
    return out


def test_append_read_commit_restart(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20)
    spool.append(recs(0, 10))
    first = spool.read(4)
    assert messages(first) == [f"line {i}" for i in range(4)]
    assert first[0][1].source == SRC
    assert first[0][1].received_at == 1.5
    spool.commit(first[-1][0])
    spool.close()

    again = Spool(tmp_path, max_bytes=1 << 20)
    rest = drain(again)
    assert messages(rest) == [f"line {i}" for i in range(4, 10)]
    # same origins as before the restart: the same document ids on replay
    assert [r.origin for _, r in rest] == [
        r.origin for _, r in drain(Spool(tmp_path, max_bytes=1 << 20))
    ]
    again.append(recs(10, 2))
    assert messages(drain(again)) == ["line 10", "line 11"]


def test_origin_is_kept_when_given_and_unique_otherwise(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20)
    spool.append([*recs(0, 1, origin="file:/var/log/x:0"), *recs(1, 3)])
    batch = drain(spool)
    assert batch[0][1].origin == "file:/var/log/x:0"
    generated = [r.origin for _, r in batch[1:]]
    assert len(set(generated)) == 3
    assert all(o.startswith(f"{spool.id}.") for o in generated)


def test_read_waits_for_data(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20)
    threading.Timer(0.05, lambda: spool.append(recs(0, 1))).start()
    assert messages(spool.read(10, wait=5.0)) == ["line 0"]


def test_consumed_segments_are_deleted(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20, segment_bytes=200)
    for i in range(20):
        spool.append(recs(i, 1))
    assert len(list_segments(tmp_path)) > 5
    used_before = spool.stats()["used_bytes"]
    batch = drain(spool)
    assert len(batch) == 20
    spool.commit(batch[-1][0])
    assert list_segments(tmp_path) == [batch[-1][0].segment]
    assert spool.stats()["used_bytes"] < used_before


def test_bound_raises_spool_full_and_frees_after_commit(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20, segment_bytes=64 << 10)
    big = [RawRecord(source=SRC, received_at=0.0, message="x" * 1000) for _ in range(100)]
    fits = (1 << 20) // (100 * len(encode(big[0])))
    for _ in range(fits):
        spool.append(big)
    with pytest.raises(SpoolFullError):
        spool.append(big)
    appended = fits
    assert appended == (1 << 20) // (100 * len(encode(big[0])))  # whole batches only
    batch = drain(spool)
    assert len(batch) == appended * 100  # nothing of the refused batch was written
    spool.commit(batch[-1][0])
    spool.append(big)  # room again


def test_disk_full_becomes_spool_full_and_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20)
    spool.append(recs(0, 2))
    real_write = os.write

    def half_then_enospc(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_enospc)
    with pytest.raises(SpoolFullError, match="disk full"):
        spool.append(recs(2, 5))
    monkeypatch.undo()
    spool.append(recs(7, 1))
    assert messages(drain(spool)) == ["line 0", "line 1", "line 7"]
    assert spool.stats()["skipped_lines"] == 0


def test_torn_last_line_is_skipped_and_counted(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20)
    spool.append(recs(0, 3))
    seg = spool.read_position.segment
    spool.close()
    with segment_path(tmp_path, seg).open("ab") as f:  # a crash in the middle of a write
        f.write(b'{"s":["syslog-tcp","h1",null,"app"],"t":1.5,"m":"line 3 never ackno')
    again = Spool(tmp_path, max_bytes=1 << 20)
    again.append(recs(4, 1))  # goes to a new segment
    assert messages(drain(again)) == ["line 0", "line 1", "line 2", "line 4"]
    assert again.stats()["skipped_lines"] == 1


def test_garbage_lines_are_skipped_never_returned(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20)
    spool.append(recs(0, 1))
    spool.close()
    with segment_path(tmp_path, list_segments(tmp_path)[0]).open("ab") as f:
        f.write(b"\x00" * 64 + b"\n" + b'{"not": "a record"}\n')
    again = Spool(tmp_path, max_bytes=1 << 20)
    again.append(recs(1, 1))
    assert messages(drain(again)) == ["line 0", "line 1"]
    assert again.stats()["skipped_lines"] == 2


def test_long_line_over_read_chunk(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=16 << 20)
    long = RawRecord(source=SRC, received_at=0.0, message="y" * (3 << 20))
    spool.append([long, *recs(0, 1)])
    batch = drain(spool)
    assert [len(r.message or "") for _, r in batch] == [3 << 20, 6]


def test_concurrent_appenders_share_fsyncs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_sync = os.fdatasync

    def slow_disk(fd: int) -> None:
        time.sleep(0.005)
        real_sync(fd)

    monkeypatch.setattr(os, "fdatasync", slow_disk)
    spool = Spool(tmp_path, max_bytes=64 << 20)
    threads, per_thread, batches = 8, 50, 20

    def appender(t: int) -> None:
        for b in range(batches):
            spool.append(
                [
                    RawRecord(source=SRC, received_at=0.0, message=f"{t}:{b}:{i}")
                    for i in range(per_thread)
                ]
            )

    workers = [threading.Thread(target=appender, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    got = messages(drain(spool))
    assert len(got) == threads * batches * per_thread
    assert len(set(got)) == len(got)
    # each thread's records stay in the order it appended them
    for t in range(threads):
        mine = [m for m in got if m.startswith(f"{t}:")]
        assert mine == [f"{t}:{b}:{i}" for b in range(batches) for i in range(per_thread)]
    # while one thread syncs, the others queue up and share the next sync
    assert spool.stats()["fsyncs"] < threads * batches / 2


def test_commit_cannot_go_backwards(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20)
    spool.append(recs(0, 2))
    batch = spool.read(2)
    spool.commit(batch[1][0])
    with pytest.raises(SpoolError):
        spool.commit(batch[0][0])
