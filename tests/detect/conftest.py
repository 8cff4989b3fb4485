"""The SigmaHQ rule set, loaded once for the tests that need it."""

from __future__ import annotations

import pytest

from secops.detect.loader import load_rules
from secops.detect.ruleset import RuleSet

from .helpers import SIGMA


@pytest.fixture(scope="session")
def sigmahq_rules() -> RuleSet:
    """Windows and Linux rules of the SigmaHQ snapshot (errors collected, not raised)."""
    return load_rules([SIGMA / "rules" / "windows", SIGMA / "rules" / "linux"])
