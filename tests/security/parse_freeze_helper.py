"""A process that freezes while normalising, for the parse-guard tests.

The dms program parser is swapped for the backtracking key=value pattern the
parsers had before they were made linear, so the record ``FREEZER`` (a 256 KiB
run without ``=``) takes many minutes. The process normalises ``records()``
with a :class:`ParseGuard` on ``--dir`` until the test kills it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from secops.normalize import registry
from secops.normalize.base import Event, Parser
from secops.pipeline.normalizing import normalize_batch
from secops.pipeline.parse_guard import ParseGuard
from secops.records import RawRecord, Source

OLD_KV = re.compile(r"""([\w.-]+)=("[^"]*"|'[^']*'|\S*)""")
FREEZER = "<13>Jan  1 00:00:00 h dms: app=dms " + "a." * (128 * 1024)
SOURCE = Source("syslog-tcp", host="h", application="dms")


def records() -> list[RawRecord]:
    texts = [
        "<13>Jan  1 00:00:00 h sshd[1]: Failed password for root from 10.0.0.1 port 22 ssh2",
        FREEZER,
        "<13>Jan  1 00:00:00 h sshd[1]: Accepted password for bob from 10.0.0.2 port 22 ssh2",
    ]
    return [
        RawRecord(source=SOURCE, received_at=1767225600.0, message=t, origin=f"seg:{i}")
        for i, t in enumerate(texts)
    ]


def _backtracking_dms(text: str, event: Event, record: RawRecord) -> bool:
    fields = dict(OLD_KV.findall(text))
    return "user" in fields


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    registry.PROGRAMS["dms"] = Parser("parliament.dms", _backtracking_dms)
    normalize_batch(records(), guard=ParseGuard(args.dir))


if __name__ == "__main__":
    main()
