"""`secops rules coverage` as plain-text tables: per logsource, the blind spots, ATT&CK.

Long lists wrap onto continuation lines instead of widening the table, so the
output reads in a terminal; the blind spots are listed in full (``--json`` gives
everything, the tables cap the techniques per logsource).
"""

from __future__ import annotations

from collections.abc import Sequence

from secops.rules.models import CoverageOut

MAX_SHOWN = 12  # techniques listed in one cell; the rest counted
CELL_WIDTH = 48  # tactics and techniques cells wrap at this width
LINE_WIDTH = 100  # the lists below the tables wrap at this width

Cell = int | str | list[str]  # a list is one cell on several lines


def table(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """Columns padded to their widest line; numbers right-aligned; list cells span lines."""
    grid = [[[c] for c in header]] + [
        [c if isinstance(c, list) else [str(c)] for c in row] for row in rows
    ]
    widths = [max(len(line) for row in grid for line in row[i]) for i in range(len(header))]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(header))]
    lines = []
    for row in grid:
        for k in range(max(len(cell) for cell in row)):
            padded = [
                (cell[k] if k < len(cell) else "").rjust(w)
                if num
                else (cell[k] if k < len(cell) else "").ljust(w)
                for cell, w, num in zip(row, widths, numeric, strict=True)
            ]
            lines.append("  ".join(padded).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _listed(items: Sequence[str], limit: int | None = None) -> list[str]:
    """The items, the ones past ``limit`` counted as ``(+N)``."""
    shown = list(items[:limit])
    rest = len(items) - len(shown)
    return [*shown[:-1], f"{shown[-1]} (+{rest})"] if rest > 0 else shown or ["-"]


def _wrapped(
    items: Sequence[str], width: int = CELL_WIDTH, *, lead: str = "", indent: str = ""
) -> list[str]:
    """``lead`` then the items joined by commas, on lines of at most ``width`` where the
    items allow, broken only between items (logsource keys and tactic names hold spaces
    and hyphens)."""
    lines: list[str] = []
    line = lead
    for pos, item in enumerate(items):
        piece = item + ("," if pos < len(items) - 1 else "")
        if line and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = indent + piece
        else:
            line = f"{line} {piece}" if line else piece
    return [*lines, line]


def _paragraph(label: str, items: Sequence[str], limit: int | None = None) -> str:
    lines = _wrapped(_listed(items, limit), LINE_WIDTH, lead=f"{label}:", indent="    ")
    return "\n".join(lines)


def coverage_table(report: CoverageOut) -> str:
    out = [
        f"{report.active_rules} active rules ({report.inactive_rules} inactive); "
        f"events since {report.since:%Y-%m-%d %H:%M} UTC (window {report.window})",
        "",
        table(
            ["logsource", "rules", "corr", "events", "tactics", "techniques"],
            [
                [
                    c.key + (" (every event)" if c.every_event else ""),
                    c.rules,
                    c.correlations,
                    c.events,
                    _wrapped(_listed(c.tactics)),
                    _wrapped(_listed(c.techniques, MAX_SHOWN)),
                ]
                for c in report.logsources
            ],
        ),
        "",
        table(
            ["dataset", "modules", "events", "uncovered"],
            [
                [s.dataset, _wrapped(_listed(s.modules, MAX_SHOWN)), s.events, s.uncovered]
                for s in report.sources
            ],
        ),
        "",
        _paragraph("blind logsources (active rules, no events)", report.blind_logsources),
        _paragraph(
            "uncovered sources (no active rule sees their events)", report.uncovered_sources
        ),
        _paragraph("tactics", [f"{t.id} ({t.rules})" for t in report.tactics]),
        _paragraph("techniques", [f"{t.id} ({t.rules})" for t in report.techniques], limit=50),
    ]
    return "\n".join(out)
