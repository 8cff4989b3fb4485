"""The archive state tells a period's report which snapshots hold its events."""

from __future__ import annotations

from datetime import UTC, datetime

from secops.archive.models import ArchivedIndex, ArchiveState


def _snap(name: str, oldest: datetime | None, newest: datetime | None) -> ArchivedIndex:
    return ArchivedIndex(
        snapshot=name,
        repository="secops-archive",
        index=f".ds-{name}",
        data_stream="logs-secops.linux.sshd-default",
        events=0 if oldest is None else 10,
        oldest=oldest,
        newest=newest,
        archived_at=datetime(2026, 1, 1, tzinfo=UTC),
        state="SUCCESS",
    )


def d(month: int, day: int = 1) -> datetime:
    return datetime(2025, month, day, tzinfo=UTC)


def test_covering_names_the_snapshots_overlapping_a_period() -> None:
    state = ArchiveState(
        repository="secops-archive",
        retention_days=400,
        oldest_event=None,
        last_run=None,
        snapshots=[
            _snap("feb", d(2), d(2, 28)),
            _snap("mar-apr", d(3, 20), d(4, 10)),
            _snap("apr", d(4), d(4, 30)),
            _snap("empty", None, None),
        ],
    )
    # The Solar Hijri year 1404 begins 2025-03-21: its first half-year starts there.
    half = state.covering(datetime(2025, 3, 21, tzinfo=UTC), datetime(2025, 9, 23, tzinfo=UTC))
    assert [s.snapshot for s in half] == ["mar-apr", "apr"]
    assert [s.snapshot for s in state.covering(d(4), d(4, 2))] == ["mar-apr", "apr"]
    assert state.covering(d(5), d(6)) == []
