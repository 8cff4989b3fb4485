"""Reading JSON objects written one after another (NDJSON, or pretty-printed in a row)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from secops.errors import NormalizeError

_DECODER = json.JSONDecoder()
_SPACE = frozenset(" \t\r\n")


def iter_json_objects(text: str, *, where: str | None = None) -> Iterator[dict[str, Any]]:
    """Yield each top-level JSON object of ``text``, in order.

    Whitespace between objects is skipped. Anything that is not an object, or
    not JSON, raises :class:`NormalizeError` naming the character offset.
    """
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _SPACE:
            pos += 1
        if pos >= end:
            return
        try:
            obj, next_pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise NormalizeError(
                f"invalid JSON: {exc.msg}", where=f"{where or '<text>'}:offset {exc.pos}"
            ) from exc
        if not isinstance(obj, dict):
            raise NormalizeError(
                f"expected a JSON object, got {type(obj).__name__}",
                where=f"{where or '<text>'}:offset {pos}",
            )
        yield obj
        pos = next_pos
