"""One severity scale, defined once."""

from __future__ import annotations

from typing import get_args

from secops.definitions import RISK_SCORE, SEVERITIES, SEVERITY_RANK, ControlSeverity


def test_the_scale_ranks_and_scores_every_level_in_order() -> None:
    assert SEVERITIES == ("informational", "low", "medium", "high", "critical")
    assert [SEVERITY_RANK[s] for s in SEVERITIES] == [0, 1, 2, 3, 4]
    scores = [RISK_SCORE[s] for s in SEVERITIES]
    assert scores == sorted(scores)
    assert len(set(scores)) == len(scores)


def test_a_control_takes_the_upper_levels_of_the_same_scale() -> None:
    assert get_args(ControlSeverity) == SEVERITIES[1:]
