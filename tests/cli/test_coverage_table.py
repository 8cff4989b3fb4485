"""The coverage tables read in a terminal: long lists wrap, the blind spots are all listed."""

from __future__ import annotations

from datetime import UTC, datetime

from secops.cli.coverage_table import LINE_WIDTH, coverage_table
from secops.rules.models import AttackItem, CoverageOut, LogsourceCoverage, SourceCoverage

TACTICS = [
    "collection",
    "command-and-control",
    "credential-access",
    "defense-evasion",
    "discovery",
    "execution",
    "exfiltration",
    "impact",
    "initial-access",
    "lateral-movement",
    "persistence",
    "privilege-escalation",
    "reconnaissance",
    "resource-development",
]
SERVICES = [f"service-number-{i:02d}" for i in range(40)]


def _report() -> CoverageOut:
    keys = [f"product=windows service={s}" for s in SERVICES]
    return CoverageOut(
        window="1d",
        since=datetime(2026, 11, 29, tzinfo=UTC),
        active_rules=400,
        inactive_rules=3,
        tactics=[AttackItem(id=t, rules=10) for t in TACTICS],
        techniques=[AttackItem(id=f"T{1000 + i}", rules=2) for i in range(80)],
        logsources=[
            LogsourceCoverage(
                logsource={"product": "windows", "service": s},
                key=k,
                rules=10,
                correlations=0,
                tactics=TACTICS,
                techniques=[f"T{1000 + i}.001" for i in range(30)],
                every_event=False,
                events=0,
            )
            for s, k in zip(SERVICES, keys, strict=True)
        ],
        blind_logsources=keys,
        sources=[SourceCoverage(dataset="badge.reader", modules=[], events=3, uncovered=3)],
        uncovered_sources=[f"dataset-{i:02d}" for i in range(20)],
    )


def test_every_blind_logsource_and_uncovered_source_is_listed() -> None:
    out = coverage_table(_report())
    start = out.index("blind logsources (active rules, no events): ")
    end = out.index("uncovered sources (no active rule sees their events): ")
    blind = [k.strip() for k in out[start:end].split(":", 1)[1].split(",")]
    assert blind == [f"product=windows service={s}" for s in SERVICES]
    uncovered_end = out.index("\ntactics: ")
    uncovered = [k.strip() for k in out[end:uncovered_end].split(":", 1)[1].split(",")]
    assert uncovered == [f"dataset-{i:02d}" for i in range(20)]
    # The techniques below the tables stay capped, with the rest counted.
    assert out.rstrip().endswith("T1049 (2) (+30)")


def test_long_cells_wrap_instead_of_widening_the_table() -> None:
    out = coverage_table(_report()).splitlines()
    header = next(line for line in out if line.startswith("logsource "))
    dashes = out[out.index(header) + 1]  # the table's full width
    longest_key = max(len(f"product=windows service={s}") for s in SERVICES)
    # logsource, three counts, and two cells of at most 48 characters
    assert len(dashes) <= longest_key + 2 + 5 + 2 + 4 + 2 + 6 + 2 + 48 + 2 + 48
    assert all(len(line) <= len(dashes) for line in out if "service-number-" in line)
    lists = out[out.index(next(line for line in out if line.startswith("blind"))) :]
    assert all(len(line) <= LINE_WIDTH for line in lists)
    # A row's tactics continue on the lines below it, all of them shown.
    first = out.index(next(line for line in out if line.startswith("product=windows")))
    column = header.index("tactics")
    cell = []
    for line in out[first:]:
        if cell and line[:column].strip():
            break  # the next logsource's row
        cell.append(line[column : header.index("techniques")].strip())
    assert [t.strip() for t in " ".join(cell).split(",")] == TACTICS
