"""File tailing: appended lines, rotation, copytruncate, restart without skip or repeat."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from collector_sinks import MemorySink
from prometheus_client import CollectorRegistry

from collectors.file_open import RefusedFileError, open_regular, untrusted_depth
from collectors.metrics import RefusalsCollector
from collectors.stats import ReceiverStats
from collectors.tail import READ_WINDOW, Tailer
from secops.errors import CollectError
from secops.records import Source


def tailer(sink: MemorySink, tmp_path: Path, **kw: object) -> Tailer:
    return Tailer(
        sink,
        globs=[str(tmp_path / "logs" / "*.log")],
        state_file=tmp_path / "state" / "tail.json",
        **kw,  # type: ignore[arg-type]
    )


def write(path: Path, text: str, mode: str = "a") -> None:
    with open(path, mode) as fh:
        fh.write(text)


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    (tmp_path / "logs").mkdir()
    return tmp_path / "logs" / "app.log"


def test_appended_lines_are_followed_and_a_partial_line_waits(
    tmp_path: Path, log_file: Path
) -> None:
    sink = MemorySink()
    write(log_file, "one\ntwo\r\nthr")
    t = tailer(sink, tmp_path)
    assert t.poll_once() == 2
    assert sink.messages() == ["one", "two"]
    assert t.poll_once() == 0  # "thr" has no newline yet
    write(log_file, "ee\n\nfour\n")
    assert t.poll_once() == 2
    assert sink.messages() == ["one", "two", "three", "four"]
    ino = log_file.stat().st_ino
    assert [r.origin for r in sink.records] == [
        f"file:{log_file}:{ino}:{off}" for off in (0, 4, 9, 16)
    ]
    assert sink.records[0].source == Source(input="file", application=str(log_file))
    t.close()


def test_restart_neither_skips_nor_repeats(tmp_path: Path, log_file: Path) -> None:
    sink = MemorySink()
    write(log_file, "a\nb\n")
    first = tailer(sink, tmp_path)
    first.poll_once()
    first.close()
    write(log_file, "c\nd\n")  # written while the tailer was down
    second = tailer(sink, tmp_path)
    second.poll_once()
    second.close()
    assert sink.messages() == ["a", "b", "c", "d"]
    state = json.loads((tmp_path / "state" / "tail.json").read_text())
    assert [v["offset"] for v in state.values()] == [8]


def test_offset_is_not_saved_while_the_spool_is_full(tmp_path: Path, log_file: Path) -> None:
    full = MemorySink(always_full=True)
    write(log_file, "kept\n")
    t = tailer(full, tmp_path)
    assert t.poll_once() == 0
    t.close()
    sink = MemorySink()
    again = tailer(sink, tmp_path)
    again.poll_once()
    again.close()
    assert sink.messages() == ["kept"]


def test_rotation_by_rename_finishes_the_old_file_then_reads_the_new(
    tmp_path: Path, log_file: Path
) -> None:
    sink = MemorySink()
    write(log_file, "old 1\n")
    t = tailer(sink, tmp_path)
    t.poll_once()
    write(log_file, "old 2\n")  # written, not yet read, when the file is rotated
    rotated = log_file.with_name("app.log.1")  # outside the glob
    log_file.rename(rotated)
    write(log_file, "new 1\n", mode="w")
    t.poll_once()
    write(rotated, "old 3\n")  # a late write by a writer that has not reopened yet
    write(log_file, "new 2\n")
    t.poll_once()
    t.poll_once()
    assert sink.messages()[:3] == ["old 1", "old 2", "new 1"]
    assert sorted(m or "" for m in sink.messages()) == ["new 1", "new 2", "old 1", "old 2", "old 3"]
    # The rotated file is let go once finished, and its state entry with it.
    state = json.loads((tmp_path / "state" / "tail.json").read_text())
    assert list(state) == [f"{log_file.stat().st_dev}:{log_file.stat().st_ino}"]
    t.close()


def test_copytruncate_restarts_at_zero(tmp_path: Path, log_file: Path) -> None:
    sink = MemorySink()
    write(log_file, "before truncation line\n")
    t = tailer(sink, tmp_path)
    t.poll_once()
    write(log_file, "x\n", mode="w")  # truncated in place, then a short new line
    t.poll_once()
    assert sink.messages() == ["before truncation line", "x"]
    t.close()


def test_new_file_on_a_reused_inode_is_read_from_zero(tmp_path: Path, log_file: Path) -> None:
    sink = MemorySink()
    write(log_file, "first file content\n")
    t = tailer(sink, tmp_path)
    t.poll_once()
    t.close()
    # Same inode, other content, longer than the saved offset: not the same file.
    write(log_file, "another file entirely, longer\n", mode="w")
    again = tailer(sink, tmp_path)
    again.poll_once()
    again.close()
    assert sink.messages() == ["first file content", "another file entirely, longer"]


def test_overlong_line_is_truncated_and_tagged(tmp_path: Path, log_file: Path) -> None:
    sink = MemorySink()
    write(log_file, "y" * 3000 + "\nshort\n")
    t = tailer(sink, tmp_path, max_line_bytes=1024)
    t.poll_once()
    t.close()
    assert [len(m or "") for m in sink.messages()] == [1024, 5]
    assert sink.records[0].extra == {"truncated": True, "original_size": 3000}


def test_big_file_is_read_in_windows_without_loss(tmp_path: Path, log_file: Path) -> None:
    sink = MemorySink()
    lines = [f"line {i:07d} " + "p" * 100 for i in range(30_000)]  # > 3 read windows
    write(log_file, "\n".join(lines) + "\n")
    t = tailer(sink, tmp_path)
    assert t.poll_once() == 30_000
    t.close()
    assert sink.messages() == lines
    assert sink.batches > 1


def test_corrupt_state_file_is_a_clear_error(tmp_path: Path, log_file: Path) -> None:
    state = tmp_path / "state" / "tail.json"
    state.parent.mkdir()
    state.write_text("{not json")
    with pytest.raises(CollectError, match="tail state"):
        tailer(MemorySink(), tmp_path)
    assert os.path.exists(state)


# -- what is opened: regular files only, never through a symbolic link -----------


def test_symlink_to_another_file_is_refused_logged_and_counted_once(
    tmp_path: Path, log_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:password-hash\n")
    planted = log_file.with_name("planted.log")
    planted.symlink_to(secret)
    write(log_file, "real line\n")
    sink, stats = MemorySink(), ReceiverStats()
    t = tailer(sink, tmp_path, stats=stats)
    with caplog.at_level(logging.WARNING, logger="collectors.tail"):
        t.poll_once()
        t.poll_once()  # refused again, but logged and counted once
    t.close()
    assert sink.messages() == ["real line"]
    assert stats.snapshot()[Source(input="file", application=str(planted))].refused == 1
    refusals = [r.getMessage() for r in caplog.records if str(planted) in r.getMessage()]
    assert len(refusals) == 1
    assert "symbolic link" in refusals[0]


def test_fifo_is_refused_without_blocking_the_tailer(tmp_path: Path, log_file: Path) -> None:
    fifo = log_file.with_name("pipe.log")
    os.mkfifo(fifo)
    write(log_file, "real line\n")
    sink, stats = MemorySink(), ReceiverStats()
    t = tailer(sink, tmp_path, stats=stats)
    t.poll_once()
    t.close()
    assert sink.messages() == ["real line"]
    assert stats.snapshot()[Source(input="file", application=str(fifo))].refused == 1
    # Opened directly (as after a swap behind the listing), it does not wait for a writer.
    with pytest.raises(RefusedFileError, match="FIFO"):
        open_regular(str(fifo))


def test_final_symlink_is_refused_even_when_the_pattern_names_it(tmp_path: Path) -> None:
    (tmp_path / "real.log").write_text("x\n")
    link = tmp_path / "named.log"
    link.symlink_to(tmp_path / "real.log")
    with pytest.raises(RefusedFileError, match="symbolic link"):
        open_regular(str(link), untrusted_depth(str(link)))


def test_symlinked_directory_below_the_pattern_is_refused(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "dms").mkdir(parents=True)
    (logs / "dms" / "app.log").write_text("dms line\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "app.log").write_text("not a log of ours\n")
    (logs / "planted").symlink_to(elsewhere, target_is_directory=True)
    sink, stats = MemorySink(), ReceiverStats()
    t = Tailer(
        sink,
        globs=[str(logs / "*" / "app.log")],
        state_file=tmp_path / "state" / "tail.json",
        stats=stats,
    )
    t.poll_once()
    t.close()
    assert sink.messages() == ["dms line"]
    planted = Source(input="file", application=str(logs / "planted" / "app.log"))
    assert stats.snapshot()[planted].refused == 1


def test_directories_the_operator_configured_may_be_symlinks(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "app.log").write_text("line\n")
    (tmp_path / "configured").symlink_to(tmp_path / "real", target_is_directory=True)
    sink = MemorySink()
    t = Tailer(
        sink,
        globs=[str(tmp_path / "configured" / "*.log")],
        state_file=tmp_path / "state" / "tail.json",
    )
    t.poll_once()
    t.close()
    assert sink.messages() == ["line"]


# -- long lines ------------------------------------------------------------------


def test_overlong_line_is_cut_at_a_character_boundary(tmp_path: Path, log_file: Path) -> None:
    sink = MemorySink()
    write(log_file, "é" * 2000 + "\n")  # two bytes each: a cut at 1025 bytes splits one
    t = tailer(sink, tmp_path, max_line_bytes=1025)
    t.poll_once()
    t.close()
    (record,) = sink.records
    assert record.message == "é" * 512
    assert record.extra == {"truncated": True, "original_size": 4000}


def test_endless_line_is_not_read_again_at_each_poll(
    tmp_path: Path, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = [0]
    real_pread = os.pread

    def counting_pread(fd: int, n: int, offset: int) -> bytes:
        data = real_pread(fd, n, offset)
        read[0] += len(data)
        return data

    monkeypatch.setattr(os, "pread", counting_pread)
    sink = MemorySink()
    write(log_file, "z" * (8 * READ_WINDOW))  # a line still being written
    t = tailer(sink, tmp_path)
    assert t.poll_once() == 0
    write(log_file, "z" * READ_WINDOW)
    read[0] = 0
    assert t.poll_once() == 0
    # The first window again, then only what was appended: not the whole line.
    assert read[0] <= 3 * READ_WINDOW
    write(log_file, "\nnext\n")
    assert t.poll_once() == 2
    t.close()
    assert sink.records[0].extra == {"truncated": True, "original_size": 9 * READ_WINDOW}
    assert sink.messages()[1] == "next"


def test_refusals_are_exposed_as_metrics_per_source(tmp_path: Path, log_file: Path) -> None:
    log_file.with_name("planted.log").symlink_to(tmp_path / "elsewhere")
    stats = ReceiverStats()
    t = tailer(MemorySink(), tmp_path, stats=stats)
    t.poll_once()
    t.close()
    registry = CollectorRegistry()
    registry.register(RefusalsCollector(stats))
    labels = {"input": "file", "address": "", "application": str(log_file.with_name("planted.log"))}
    assert registry.get_sample_value("secops_receiver_refused_total", labels) == 1
