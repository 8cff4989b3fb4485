"""Signed checkpoints of the chain's head, kept outside Elasticsearch.

After each append the writer adds one line to ``<state_dir>/audit/<namespace>/
checkpoints.jsonl``: the seq and hash it appended, the time, and an Ed25519
signature with the audit trail's key (see ``signed_lines``). Whoever can delete
entries in Elasticsearch cannot make the chain shorter than its last checkpoint
without it showing: verification and the writer compare the chain with it.

Two kinds of line: ``head`` (an append) and ``base`` (an administrator acknowledged
a truncation: the chain continues from this shorter head, and the line says what
was lost and who accepted it). The latest checkpoint is the highest ``head`` after
the last ``base`` (writers of several processes may finish their lines out of
order), or that ``base``. Lines that do not verify are reported and never trusted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, Field, ValidationError

from secops.audit.keys import key_id
from secops.audit.models import Acknowledgement, Checkpoint, CheckpointProblem
from secops.audit.signed_lines import (
    Lines,
    append_lines,
    line_signature_valid,
    parse_line,
    read_lines,
    sign_line,
)
from secops.settings import Settings
from secops.times import now_micros

FORMAT = "secops.audit-checkpoint/1"


class CheckpointLog(BaseModel):
    path: str
    latest: Checkpoint | None = None
    lines: int = 0
    problems: list[CheckpointProblem] = Field(default_factory=list)
    torn_tail: bool = Field(False, description="An unfinished last line was skipped")


def checkpoint_path(settings: Settings) -> Path:
    return settings.state_dir / "audit" / settings.namespace / "checkpoints.jsonl"


def _now() -> str:
    return now_micros()


def make_checkpoint(
    key: Ed25519PrivateKey,
    *,
    namespace: str,
    seq: int,
    hash: str,
    kind: Literal["head", "base"] = "head",
    acknowledged: Acknowledgement | None = None,
) -> dict[str, Any]:
    """A signed checkpoint line (as written to the file)."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "kind": kind,
        "namespace": namespace,
        "seq": seq,
        "hash": hash,
        "time": _now(),
        "key_id": key_id(key.public_key()),
    }
    if acknowledged is not None:
        doc["acknowledged"] = acknowledged.model_dump(mode="json")
    return sign_line(doc, key)


def append_checkpoints(settings: Settings, docs: list[dict[str, Any]]) -> None:
    append_lines(checkpoint_path(settings), docs)


def _check(
    n: int, text: bytes, key: Ed25519PublicKey, namespace: str
) -> Checkpoint | CheckpointProblem:
    doc = parse_line(text)
    if doc is None:
        return CheckpointProblem(line=n, reason="malformed", detail="not a JSON object")
    if not line_signature_valid(doc, key):
        return CheckpointProblem(
            line=n,
            reason="bad_signature",
            detail=f"seq {doc.get('seq')!r}: not signed by key {key_id(key)}",
        )
    try:
        checkpoint = Checkpoint.model_validate({**doc, "line": n})
    except ValidationError as exc:
        return CheckpointProblem(line=n, reason="malformed", detail=str(exc).splitlines()[0])
    if checkpoint.namespace != namespace:
        return CheckpointProblem(
            line=n,
            reason="other_namespace",
            detail=f"a checkpoint of namespace {checkpoint.namespace!r}",
        )
    return checkpoint


def latest_of(checkpoints: list[Checkpoint]) -> Checkpoint | None:
    latest: Checkpoint | None = None
    for c in checkpoints:
        if c.kind == "base" or latest is None or c.seq > latest.seq:
            latest = c
    return latest


def latest_checkpoint(
    path: Path, *, public_key: Ed25519PublicKey, namespace: str
) -> Checkpoint | None:
    """The latest trusted checkpoint, as :func:`read_checkpoints` finds it, for a writer.

    Lines are walked from the end and only those that could be the answer are
    verified (one signature check per candidate, not one per line), so a writer
    starts quickly over a long file. Lines that fail are skipped here; verification
    reports them.
    """
    best: Checkpoint | None = None
    for n, text in reversed(read_lines(path).lines):
        doc = parse_line(text)
        if doc is None or not isinstance(doc.get("seq"), int):
            continue
        is_base = doc.get("kind") == "base"
        if not is_base and best is not None and doc["seq"] <= best.seq:
            continue
        checked = _check(n, text, public_key, namespace)
        if not isinstance(checked, Checkpoint):
            continue
        if checked.kind == "base":
            return best if best is not None and best.seq > checked.seq else checked
        best = checked
    return best


def read_checkpoints(path: Path, *, public_key: Ed25519PublicKey, namespace: str) -> CheckpointLog:
    """Every line checked; the latest trusted checkpoint and each line that is not one."""
    found: Lines = read_lines(path)
    good: list[Checkpoint] = []
    problems: list[CheckpointProblem] = []
    for n, text in found.lines:
        checked = _check(n, text, public_key, namespace)
        if isinstance(checked, Checkpoint):
            good.append(checked)
        else:
            problems.append(checked)
    return CheckpointLog(
        path=str(path),
        latest=latest_of(good),
        lines=len(found.lines),
        problems=problems,
        torn_tail=found.torn_tail,
    )
