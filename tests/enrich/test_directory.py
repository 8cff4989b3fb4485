"""The people directory CSV: every rejected row named FILE:LINE, nothing half-loaded."""

from __future__ import annotations

import pytest

from secops.enrich.directory import Directory, DirectoryRejectedError, parse_people

GOOD = """user,clearance,committees,aliases,display_name,unit,roles
mrossi,secret,defence;Budget,M0421;m.rossi,Maria Rossi,defence-office,member;chair
lbianchi,internal,,,,,
"""


def test_parses_lists_and_optional_columns() -> None:
    people = parse_people(GOOD, source="people.csv")
    assert [p.user for p in people] == ["mrossi", "lbianchi"]
    maria = people[0]
    assert maria.committees == ("budget", "defence")
    assert maria.aliases == ("M0421", "m.rossi")
    assert maria.roles == ("chair", "member")
    assert (maria.display_name, maria.unit, maria.clearance_rank) == (
        "Maria Rossi",
        "defence-office",
        3,
    )
    assert people[1].committees == ()
    assert people[1].display_name is None


def test_only_required_columns() -> None:
    people = parse_people("user,clearance,committees,aliases\nx1,public,,\n", source="f")
    assert people[0].clearance_rank == 0


def test_aliases_match_case_insensitively() -> None:
    directory = Directory.of(parse_people(GOOD, source="f"), generation="g1")
    person = directory.lookup("m0421")
    assert person is not None
    assert person.user == "mrossi"
    assert directory.lookup("MROSSI") is person
    assert directory.lookup("nobody") is None


def test_every_bad_row_is_reported_with_its_line() -> None:
    text = (
        "user,clearance,committees,aliases\n"  # line 1
        "ok1,secret,defence,\n"  # 2
        "bad one,secret,,\n"  # 3: not an account name
        "ok2,topsecret,,\n"  # 4: unknown clearance
        '"multi\n'  # 5-6: a quoted field over two lines
        'line",public,,\n'
        "ok3,public,Bad Committee,\n"  # 7
        "ok4,public,,ok1\n"  # 8: alias taken by ok1
        "ok1,public,,\n"  # 9: user repeated
        "ok5,public\n"  # 10: too few fields
        "\n"  # 11: blank, skipped
        "ok6,public,,ok6\n"  # 12: alias repeats the user
    )
    with pytest.raises(DirectoryRejectedError) as info:
        parse_people(text, source="people.csv")
    rows = info.value.rows
    assert [r.split(": ", 1)[0] for r in rows] == [
        "people.csv:3",
        "people.csv:4",
        "people.csv:5",
        "people.csv:7",
        "people.csv:8",
        "people.csv:9",
        "people.csv:10",
        "people.csv:12",
    ]
    assert "clearance 'topsecret'" in rows[1]
    assert "'ok1' belongs to 'ok1' (line 2)" in rows[4]
    assert "nothing loaded" in info.value.message


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("user,clearance,committees", "missing column(s) aliases"),
        ("user,clearance,committees,aliases,email", "unknown column(s) email"),
        ("user,clearance,committees,aliases,user", "repeated column(s) user"),
    ],
)
def test_bad_header_is_line_1(header: str, reason: str) -> None:
    with pytest.raises(DirectoryRejectedError) as info:
        parse_people(header + "\nx,public,,\n", source="p.csv")
    assert info.value.rows[0].startswith(f"p.csv:1: {reason}")


def test_empty_file() -> None:
    with pytest.raises(DirectoryRejectedError) as info:
        parse_people("", source="p.csv")
    assert info.value.rows == ["p.csv:1: empty file, no header"]
