"""The elements of a JSON array, as byte spans, without parsing the whole document.

Parsing a 10 MB array at once makes millions of objects live together; splitting
it first lets each element be parsed, capped and handed on alone. The scan only
tracks strings and bracket depth; each element is then parsed by orjson, which
judges its syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A string (possibly unterminated at the end of the body) or a structural byte.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{},]')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_COMMA = ord(",")
_QUOTE = ord('"')
_WS = b" \t\r\n"


class BrokenArrayError(ValueError):
    """The array does not close; ``start`` is where its unfinished tail begins."""

    def __init__(self, start: int) -> None:
        super().__init__("the JSON array is not closed")
        self.start = start


def elements(body: bytes, start: int = 0) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each element of the array opening at ``body[start]``.

    Raises :class:`BrokenArrayError` after the last complete element when the array does
    not close, or when something other than whitespace follows it.
    """
    depth = 0
    begin = start + 1
    for m in _TOKEN.finditer(body, start):
        c = body[m.start()]
        if c == _QUOTE:
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth == 0:
                if body[begin : m.start()].strip(_WS):
                    yield begin, m.start()
                if body[m.end() :].strip(_WS):
                    raise BrokenArrayError(m.end())
                return
        elif c == _COMMA and depth == 1:
            yield begin, m.start()
            begin = m.end()
    raise BrokenArrayError(begin)
