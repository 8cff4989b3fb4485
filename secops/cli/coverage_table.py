"""`secops rules coverage` as plain-text tables: per logsource, the blind spots, ATT&CK."""

from __future__ import annotations

from collections.abc import Sequence

from secops.rules.models import CoverageOut

MAX_SHOWN = 12  # tactics or techniques listed in one cell; the rest counted


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(header))]
    lines = []
    for row in cells:
        padded = [
            cell.rjust(w) if num else cell.ljust(w)
            for cell, w, num in zip(row, widths, numeric, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _listed(items: Sequence[str], limit: int = MAX_SHOWN) -> str:
    shown = ", ".join(items[:limit])
    rest = len(items) - limit
    return f"{shown} (+{rest})" if rest > 0 else shown or "-"


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
                    _listed(c.tactics),
                    _listed(c.techniques),
                ]
                for c in report.logsources
            ],
        ),
        "",
        table(
            ["dataset", "modules", "events", "uncovered"],
            [[s.dataset, _listed(s.modules), s.events, s.uncovered] for s in report.sources],
        ),
        "",
        "blind logsources (active rules, no events): " + _listed(report.blind_logsources),
        "uncovered sources (no active rule sees their events): "
        + _listed(report.uncovered_sources),
        "tactics: " + _listed([f"{t.id} ({t.rules})" for t in report.tactics], limit=50),
        "techniques: " + _listed([f"{t.id} ({t.rules})" for t in report.techniques], limit=50),
    ]
    return "\n".join(out)
