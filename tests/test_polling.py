"""The tests' one polling helper, and that no test writes its own deadline loop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from polling import wait_until

TESTS = Path(__file__).parent


def test_returns_the_first_truthy_value() -> None:
    values = iter([0, None, "", "ready", "later"])
    assert wait_until(lambda: next(values), interval=0) == "ready"


def test_fails_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match="timed out after 0s waiting for the alert"):
        wait_until(lambda: False, timeout=0, what="the alert")


def test_no_test_polls_with_a_deadline_of_its_own() -> None:
    pattern = re.compile(r"deadline = time\.monotonic\(\)|for _ in range\(int\(\w+ / [\d.]+\)\)")
    found = [
        f"{path.relative_to(TESTS)}:{n}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != "polling.py"
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []
