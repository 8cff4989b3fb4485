"""The checkpoint file on its own: which line is the latest, what is reported, torn tails."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.audit.checkpoints import (
    append_checkpoints,
    checkpoint_path,
    latest_checkpoint,
    make_checkpoint,
    read_checkpoints,
)
from secops.audit.keys import derive_private_key
from secops.audit.models import Acknowledgement
from secops.audit.signed_lines import encode
from secops.settings import Settings

KEY = derive_private_key("checkpoint tests")
NS = "ns1"


def _head(seq: int, *, key=KEY, namespace: str = NS) -> dict:
    return make_checkpoint(key, namespace=namespace, seq=seq, hash=f"{seq:064x}")


def _base(seq: int) -> dict:
    ack = Acknowledgement(by="user:adam", reason="r", previous_seq=9, previous_hash="f" * 64)
    return make_checkpoint(
        KEY, namespace=NS, seq=seq, hash=f"{seq:064x}", kind="base", acknowledged=ack
    )


def _file(tmp_path: Path, lines: list[dict | bytes]) -> Path:
    path = tmp_path / "checkpoints.jsonl"
    path.write_bytes(b"".join(x if isinstance(x, bytes) else encode(x) + b"\n" for x in lines))
    return path


CASES = {
    "in order": ([_head(1), _head(2), _head(3)], 3),
    "finished out of order": ([_head(1), _head(3), _head(2)], 3),
    "base resets": ([_head(1), _head(5), _base(3)], 3),
    "heads after a base": ([_head(5), _base(3), _head(4), _head(5)], 5),
    "a stale head after a base": ([_head(5), _base(3), _head(2)], 3),
    "forged higher head": ([_head(1), _head(2), _head(99, key=derive_private_key("x"))], 2),
    "other namespace": ([_head(1), _head(7, namespace="other")], 1),
    "garbage line": ([_head(1), b"not json\n", _head(2)], 2),
    "forged base": ([_head(4), _base(2) | {"seq": 1}], 4),
    "empty": ([], None),
}


@pytest.mark.parametrize("name", CASES)
def test_the_writer_and_verification_agree_on_the_latest(tmp_path: Path, name: str) -> None:
    lines, expected = CASES[name]
    path = _file(tmp_path, lines)
    public = KEY.public_key()
    full = read_checkpoints(path, public_key=public, namespace=NS)
    quick = latest_checkpoint(path, public_key=public, namespace=NS)
    assert (full.latest.seq if full.latest else None) == expected
    assert quick == full.latest


def test_problems_name_their_line(tmp_path: Path) -> None:
    forged = _head(3) | {"hash": "e" * 64}
    path = _file(tmp_path, [_head(1), b"{oops\n", forged, _head(2, namespace="other")])
    log = read_checkpoints(path, public_key=KEY.public_key(), namespace=NS)
    assert [(p.line, p.reason) for p in log.problems] == [
        (2, "malformed"),
        (3, "bad_signature"),
        (4, "other_namespace"),
    ]
    assert log.latest is not None
    assert log.latest.seq == 1


def test_a_torn_tail_is_skipped_and_cut_before_the_next_line(tmp_path: Path) -> None:
    settings = Settings(dev_mode=True, namespace=NS, state_dir=tmp_path)
    path = checkpoint_path(settings)
    append_checkpoints(settings, [_head(1)])
    with path.open("ab") as f:
        f.write(encode(_head(2))[:40])
    log = read_checkpoints(path, public_key=KEY.public_key(), namespace=NS)
    assert (log.lines, log.torn_tail, log.problems) == (1, True, [])
    append_checkpoints(settings, [_head(3)])
    log = read_checkpoints(path, public_key=KEY.public_key(), namespace=NS)
    assert (log.lines, log.torn_tail, log.problems) == (2, False, [])
    assert log.latest is not None
    assert log.latest.seq == 3
    assert path.stat().st_mode & 0o777 == 0o600
