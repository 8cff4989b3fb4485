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


@pytest.fixture(scope="session")
def sigmahq_all_rules() -> RuleSet:
    """The three SigmaHQ trees as users load them: rules, emerging threats, threat hunting."""
    dirs = [SIGMA / "rules", SIGMA / "rules-emerging-threats", SIGMA / "rules-threat-hunting"]
    return load_rules(dirs)
