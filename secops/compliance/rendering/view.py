"""A signed report document turned into what the template prints, in one language.

Everything a reader sees is decided here: names from the catalogue, numbers and
dates formatted for the language, charts drawn. The template only lays it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError

from secops.compliance.controls import builtin_controls
from secops.compliance.rendering import charts, labels
from secops.compliance.rendering.catalog import Catalogue
from secops.compliance.rendering.formats import (
    MINUS,
    Lang,
    day,
    digits,
    duration,
    last_day,
    moment_text,
    number,
    percent,
    period_name,
    short_day,
    signed,
)
from secops.compliance.report_model import FORMAT_V2, Indicator, ReportDocument
from secops.errors import InvalidInputError

SUMMARY_ROWS = 14  # indicators on the board's page; all of them are in the tables


@dataclass
class Cell:
    text: str
    css: str = ""


@dataclass
class View:
    lang: Lang
    dir: str
    cat: Catalogue
    doc: ReportDocument
    period_name: str
    period_dates: str
    status: Cell
    facts: list[tuple[str, str]]
    summary_rows: list[list[Cell]]
    indicator_rows: list[list[Cell]]
    met: int
    missed: int
    trend: Markup
    severity_rows: list[list[Any]]
    tactic_rows: list[list[Any]]
    confidentiality_rows: list[list[Any]]
    timeline_rows: list[list[Any]]
    timeline_ends: tuple[str, str]
    system_rows: list[list[Cell]]
    control_rows: list[list[Cell]]
    audit_rows: list[tuple[str, str]]
    rules_rows: list[tuple[str, str]]
    preservation_rows: list[tuple[str, str]]
    archive_rows: list[list[str]]
    signature_rows: list[tuple[str, str]]
    legend: list[tuple[str, str]] = field(default_factory=list)


def parse_document(document: Any) -> ReportDocument:
    """The document as the model, or a clear error for anything else."""
    if not isinstance(document, dict) or document.get("format") != FORMAT_V2:
        raise InvalidInputError(f"renderings are made of reports of format {FORMAT_V2}")
    try:
        return ReportDocument.model_validate(document)
    except ValidationError as exc:
        raise InvalidInputError(f"not a valid report document: {exc}") from exc


def build_view(doc: ReportDocument, lang: Lang) -> View:
    cat = Catalogue(lang)
    tz = doc.period.timezone
    _ = cat.gettext

    def n(value: float | int | None, places: int = 0) -> str:
        return number(value, lang, places=places)

    def status(key: str) -> Cell:
        return Cell(_(labels.STATUSES.get(key, labels.fallback(key))), f"st-{key}")

    def value_text(ind: Indicator, value: float | None) -> str:
        if value is None:
            return "—"
        if ind.unit == "ratio":
            return percent(value, lang)
        if ind.unit == "seconds":
            return duration(value, lang, cat)
        if ind.unit == "bool":
            return _("Yes") if value else _("No")
        if ind.unit == "days":
            return n(value) + " " + _("days")
        return n(value, 0 if float(value).is_integer() else 1)

    def change_text(ind: Indicator) -> str:
        if ind.change is None:
            return "—"
        if ind.unit == "ratio":
            return signed(ind.change * 100, lang, places=1) + digits("%", lang)
        if ind.unit == "seconds":
            sign = "+" if ind.change > 0 else (MINUS if ind.change < 0 else "")
            return sign + duration(abs(ind.change), lang, cat)
        if ind.unit == "bool":
            return "—"
        return signed(ind.change, lang, places=0 if float(ind.change).is_integer() else 1)

    def key_text(ind: Indicator) -> str:
        if ind.key is None:
            return ""
        if "severity" in ind.id:
            return _(labels.SEVERITIES.get(ind.key, ind.key))
        if "tactic" in ind.id:
            return _(labels.tactic(ind.key))
        if "confidential" in ind.id:
            return _(labels.CONFIDENTIALITY.get(ind.key, ind.key))
        return ind.key

    def indicator_row(ind: Indicator) -> list[Cell]:
        name = _(labels.INDICATORS.get(ind.id, labels.fallback(ind.id)))
        key = key_text(ind)
        return [
            Cell(f"{name}: {key}" if key else name),
            Cell(value_text(ind, ind.value), "num"),
            Cell(value_text(ind, ind.target), "num"),
            Cell(value_text(ind, ind.previous), "num"),
            Cell(change_text(ind), "num"),
            status(ind.status),
        ]

    whole = [i for i in doc.indicators if i.key is None]
    # The board sees the period's figures that have a target first, missed before met.
    ranked = sorted(whole, key=lambda i: {"missed": 0, "met": 1}.get(i.status, 2))
    series = doc.series
    weeks = [
        charts.Bar(short_day(w.week_start, lang), w.count, n(w.count))
        for w in series.alerts_per_week
    ]
    trend = Markup(  # noqa: S704 - built by charts.py, which escapes every text
        charts.week_bars(weeks, tick=lambda v: n(v), title=_("Alerts per week"), rtl=lang == "fa")
    )

    def repository_text() -> str:
        name = doc.preservation.snapshot_repository or "—"
        extra = doc.preservation.extra
        if extra.get("archive_error"):  # its text, from the cluster, is in the JSON
            return f"{name}: " + _("could not be read at signing")
        if extra.get("repository_registered") is False:
            return f"{name}: " + _("not registered; expired events are kept until it is")
        return name

    def bar_rows(
        values: dict[str, int],
        name: Callable[[str], str],
        colour: Callable[[str], str],
        order: list[str] | None = None,
    ) -> list[list[Any]]:
        largest = max(values.values(), default=0)
        rank = {k: i for i, k in enumerate(order or [])}
        rows = sorted(values.items(), key=lambda kv: (rank.get(kv[0], len(rank)), -kv[1]))
        out = []
        for k, v in rows:
            bar = charts.cell_bar(v, largest, colour(k), rtl=lang == "fa")
            out.append([name(k), Markup(bar), n(v)])  # noqa: S704 - escaped by charts.py
        return out

    severity_rows = bar_rows(
        series.alerts_by_severity,
        lambda k: _(labels.SEVERITIES.get(k, k)),
        lambda k: charts.SEVERITY_COLOURS.get(k, charts.INK),
        order=list(labels.SEVERITIES),
    )
    tactic_rows = bar_rows(
        series.alerts_by_tactic, lambda k: _(labels.tactic(k)), lambda _k: "#455a64"
    )
    confidentiality_rows = bar_rows(
        series.alerts_by_confidentiality,
        lambda k: _(labels.CONFIDENTIALITY.get(k, k)),
        lambda k: "#6a1b9a" if k == "confidential" else "#90a4ae",
    )

    start, end = doc.period.start, doc.period.end
    span = (end - start).total_seconds() or 1.0

    def frac(moment: datetime) -> float:
        return (moment - start).total_seconds() / span

    titles = {c.id: c.title for c in builtin_controls()}
    timeline_rows = [
        [
            c.id,
            Markup(  # noqa: S704 - built by charts.py
                charts.status_strip(
                    [charts.Segment(frac(s.start), frac(s.end), s.status) for s in c.timeline],
                    rtl=lang == "fa",
                )
            ),
            status(c.status),
        ]
        for c in doc.controls
    ]
    control_rows = [
        [
            Cell(c.id, "ltr"),
            Cell(_(titles[c.id]) if c.id in titles else c.id),
            Cell(_(labels.SEVERITIES.get(c.severity, c.severity))),
            status(c.status),
            Cell(duration(c.failing_seconds, lang, cat), "num"),
            Cell(" / ".join(n(c.runs.get(s, 0)) for s in ("pass", "warn", "fail", "error")), "num"),
        ]
        for c in doc.controls
    ]
    system_rows = [
        [
            Cell(s.name, "ltr"),
            Cell(s.owner or "—"),
            Cell(_(labels.SEVERITIES.get(s.criticality, s.criticality)) if s.criticality else "—"),
            Cell(_(labels.SYSTEM_STATES.get(s.state, s.state)), f"sys-{s.state}"),
            Cell(n(s.received), "num"),
            Cell(n(s.stored), "num"),
            Cell(n(s.unparsed), "num"),
            Cell(n(s.dead_lettered), "num"),
            Cell(n(s.dropped), "num"),
            Cell(day(s.last_seen, lang, tz, cat) if s.last_seen else "—"),
        ]
        for s in doc.systems
    ]
    silent = sum(1 for s in doc.systems if s.state == "silent")
    never = sum(1 for s in doc.systems if s.state == "never_connected")
    failing = sum(1 for c in doc.controls if c.status in ("fail", "error"))
    alerts = sum(series.alerts_by_severity.values())
    serious = sum(series.alerts_by_severity.get(s, 0) for s in ("critical", "high"))
    audit = doc.audit_trail
    facts = [
        (_("Alerts"), n(alerts)),
        (_("Critical and high alerts"), n(serious)),
        (_("Systems silent"), n(silent)),
        (_("Systems never connected"), n(never)),
        (
            _("Controls failing at the end"),
            _("{n} of {total}").format(n=n(failing), total=n(len(doc.controls))),
        ),
        (_("Audit trail intact"), _("Yes") if audit.intact else _("No")),
    ]
    pres = doc.preservation
    return View(
        lang=lang,
        dir="rtl" if lang == "fa" else "ltr",
        cat=cat,
        doc=doc,
        period_name=period_name(doc.period.label, doc.period.calendar, lang, cat),
        period_dates=_("{start} to {end}").format(
            start=day(start, lang, tz, cat), end=day(last_day(end, tz), lang, tz, cat)
        ),
        status=status(doc.status),
        facts=facts,
        summary_rows=[indicator_row(i) for i in ranked[:SUMMARY_ROWS]],
        indicator_rows=[indicator_row(i) for i in doc.indicators],
        met=sum(1 for i in doc.indicators if i.status == "met"),
        missed=sum(1 for i in doc.indicators if i.status == "missed"),
        trend=trend,
        severity_rows=severity_rows,
        tactic_rows=tactic_rows,
        confidentiality_rows=confidentiality_rows,
        timeline_rows=timeline_rows,
        timeline_ends=(day(start, lang, tz, cat), day(last_day(end, tz), lang, tz, cat)),
        system_rows=system_rows,
        control_rows=control_rows,
        audit_rows=[
            (_("Audit trail intact"), _("Yes") if audit.intact else _("No")),
            (_("Entries in the period"), n(audit.entries_in_period)),
            (
                _("Sequence numbers"),
                f"{n(audit.first_seq)} - {n(audit.last_seq)}" if audit.first_seq else "—",
            ),
            (_("First broken entry"), n(audit.first_broken_seq) if audit.first_broken_seq else "—"),
        ],
        rules_rows=[
            (_("Rules active"), n(doc.rules.active)),
            (_("Rules disabled"), n(doc.rules.disabled)),
            (_("Rules unsupported"), n(doc.rules.unsupported)),
            (_("Correlation rules"), n(doc.rules.correlations)),
        ],
        preservation_rows=[
            (_("Event retention"), n(pres.retention_days) + " " + _("days")),
            (_("Snapshot repository"), repository_text()),
            (_("Archives"), n(len(pres.archives))),
        ],
        archive_rows=[
            [
                a.name,
                a.repository or "—",
                day(a.start, lang, tz, cat) if a.start else "—",
                day(a.end, lang, tz, cat) if a.end else "—",
                a.location or "—",
            ]
            for a in pres.archives
        ],
        signature_rows=[
            (_("Report"), doc.report_id),
            (_("Period"), doc.period.label),
            (_("Generated"), moment_text(doc.generated_at, lang, tz, cat)),
            (_("Generated by"), doc.generated_by),
            (_("Key"), doc.key_id),
            (_("SHA-256 of the signed JSON"), doc.hash or "—"),
        ],
        legend=[
            (charts.STATUS_COLOURS[s], _(labels.STATUSES[s]))
            for s in ("pass", "warn", "fail", "error", "unknown")
        ],
    )
