"""`secops rules validate|test` report rule problems with file and line, and exit non-zero."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.cli.main import main
from secops.detect.loader import BUILTIN_RULES


def test_validate_reports_broken_rule_with_path_and_line_and_keeps_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yml"
    good.write_text(
        "title: good\nid: 6f1b1d52-8c1a-4c47-9d0e-0d7c1b2e3f40\nlogsource: {product: linux}\n"
        "detection:\n  sel: {user.name: root}\n  condition: sel\n"
    )
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "title: bad\nlogsource: {product: linux}\ndetection:\n  sel: {a: 1}\n"
        "  condition: sel and missing\n"
    )
    code = main(["rules", "validate", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{bad}:" in out
    assert "missing" in out
    assert "1 rules loaded" in out
    assert "1 rejected" in out


def test_validate_of_our_rules_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "validate", str(BUILTIN_RULES)]) == 0
    assert "0 rejected" in capsys.readouterr().out


def test_samples_of_our_rules_pass_and_a_wrong_sample_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", str(BUILTIN_RULES)]) == 0
    assert "0 failures" in capsys.readouterr().out

    rule = tmp_path / "root_login.yml"
    rule.write_text(
        "title: root\nid: 0b7c8a52-8c1a-4c47-9d0e-0d7c1b2e3f41\n"
        "logsource: {product: linux, service: sshd}\n"
        "detection:\n  sel: {user.name: root}\n  condition: sel\n"
    )
    (tmp_path / "root_login.tests.yml").write_text(
        "positive:\n  - event: {event: {dataset: linux.sshd}, user: {name: alice}}\n"
        "negative:\n  - event: {event: {dataset: linux.sshd}, user: {name: bob}}\n"
    )
    assert main(["rules", "test", str(tmp_path)]) == 1
    assert "positive sample 1 did not fire" in capsys.readouterr().out


def test_validate_lists_inactive_rules_and_a_mapping_file_activates_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = tmp_path / "rules" / "vpn.yml"
    rule.parent.mkdir()
    rule.write_text(
        "title: vpn root\nid: 1c7b8a52-8c1a-4c47-9d0e-0d7c1b2e3f42\n"
        "logsource: {product: vpn, service: gateway}\n"
        "detection:\n  sel: {user.name: root}\n  condition: sel\n"
    )
    assert main(["rules", "validate", str(rule.parent)]) == 0
    out = capsys.readouterr().out
    assert (
        f"inactive (unsupported_logsource): {rule}: vpn root: unsupported logsource: "
        "no mapping entry covers product=vpn, service=gateway"
    ) in out
    assert "1 rules loaded (1 inactive)" in out

    mapping = tmp_path / "vpn-mapping.yml"
    mapping.write_text(
        "logsources:\n  - logsource: {product: vpn, service: gateway}\n"
        "    conditions: [{event.dataset: vpn.gateway}]\n"
    )
    assert main(["rules", "validate", "--mapping", str(mapping), str(rule.parent)]) == 0
    out = capsys.readouterr().out
    assert "inactive" not in out
    assert "1 rules loaded, 0 correlation rules, 0 rejected" in out
