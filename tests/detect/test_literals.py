"""What the prefilter may require of an event: literals, numbers and the full-text screen."""

from __future__ import annotations

from secops.detect.literals import required_all, required_numbers, screen

from .helpers import rule_from

WIN = {"product": "windows", "service": "security"}


def test_required_numbers_of_an_event_id_selection() -> None:
    rule = rule_from(
        {"sel": {"EventID": [4728, 4729]}, "f": {"SubjectUserName|re": "x"}, "condition": "sel"},
        logsource=WIN,
    )
    assert required_numbers(rule.tree) == (("winlog.event_id",), frozenset({4728.0, 4729.0}))


def test_and_takes_the_fewest_numbers_or_none() -> None:
    both = rule_from(
        {"a": {"EventID": [1, 2, 3]}, "b": {"EventID": 2}, "condition": "a and b"}, logsource=WIN
    )
    assert required_numbers(both.tree) == (("winlog.event_id",), frozenset({2.0}))
    either = rule_from(
        {"a": {"EventID": 1}, "b": {"LogonType": 3}, "condition": "a or b"}, logsource=WIN
    )
    assert required_numbers(either.tree) is None
    negated = rule_from({"a": {"EventID": 1}, "condition": "not a"}, logsource=WIN)
    assert required_numbers(negated.tree) is None
    fractional = rule_from({"a": {"EventID": 1.5}, "condition": "a"}, logsource=WIN)
    assert required_numbers(fractional.tree) is None


def test_screen_covers_every_literal_with_few_grams() -> None:
    literals = ["sekurlsa::", "lsadump::", "kerberos::ptt", "gentilkiwi.com", "eo.oe.kiwi"]
    grams = screen(literals)
    assert grams == ("::", "kiwi")
    assert all(any(g in lit for g in grams) for lit in literals)
    assert screen(["é"]) == ("é",)
    assert screen([]) == ()


def test_required_all_keeps_a_group_per_and_child() -> None:
    rule = rule_from(
        {
            "a": {"TargetImage|endswith": "\\lsass.exe"},
            "b": {"CallTrace|contains": ["dbghelp.dll", "dbgcore.dll"]},
            "c": {"GrantedAccess": "0x1fffff"},
            "condition": "a and (b or c) and not 1 of x*",
            "x": {"SourceImage|endswith": "\\trusted.exe"},
        },
        logsource={"product": "windows", "category": "process_access"},
    )
    assert set(required_all(rule.tree)) == {
        frozenset({"\\lsass.exe"}),
        frozenset({"dbghelp.dll", "dbgcore.dll", "0x1fffff"}),
    }
    assert rule.literals in required_all(rule.tree)
