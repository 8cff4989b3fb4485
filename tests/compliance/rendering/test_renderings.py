"""HTML and PDF renderings of a signed report, read back as a reader and a verifier would.

``pdftotext`` (poppler) extracts the PDFs' text; Persian text comes out with bidi
marks, without zero-width non-joiners and with spaces lost between runs of digits
and letters, so the comparison drops all of these on both sides.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rendering_support import PERSIAN_TITLE, pdf_text, plain
from report_sample import document

from secops.cli.main import main
from secops.compliance.controls import builtin_controls
from secops.compliance.rendering import labels
from secops.compliance.rendering.catalog import Catalogue
from secops.compliance.rendering.manifest import build_manifest, check_manifest, check_rendering
from secops.compliance.rendering.page import html_of, render_html
from secops.compliance.rendering.service import render_all, verify_file
from secops.compliance.rendering.view import build_view, parse_document
from secops.errors import InvalidInputError

PERSIAN_PERIOD = "نیمۀ نخست سال ۱۴۰۵"  # 1405-H1: Farvardin to Shahrivar 1405


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed(key: Ed25519PrivateKey) -> dict[str, Any]:
    return document(key)


@pytest.fixture(scope="module")
def files(signed: dict[str, Any]) -> dict[tuple[str, str], bytes]:
    return render_all(signed)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def manifest(
    signed: dict[str, Any], files: dict[Any, bytes], key: Ed25519PrivateKey
) -> dict[str, Any]:
    from datetime import UTC, datetime

    return build_manifest(document=signed, files=files, key=key, now=datetime.now(UTC))


def test_persian_pdf_has_the_title_and_the_solar_hijri_period(
    files: dict[Any, bytes], tmp_path: Path
) -> None:
    text = pdf_text(files["pdf", "fa"], tmp_path, "fa.pdf")
    assert plain(PERSIAN_TITLE) in text
    assert plain(PERSIAN_PERIOD) in text
    assert plain("۱ فروردین ۱۴۰۵") in text  # noqa: RUF001 - the first day
    assert plain("۳۱ شهریور ۱۴۰۵") in text
    assert "۳۱۲" in text  # the period's alerts in Persian digits
    assert "312" not in text


def test_english_pdf_has_the_title_and_gregorian_dates(
    files: dict[Any, bytes], tmp_path: Path
) -> None:
    text = pdf_text(files["pdf", "en"], tmp_path, "en.pdf")
    assert plain("Security monitoring report") in text
    assert plain("First half of 1405 (Solar Hijri)") in text
    assert plain("21 March 2026 to 22 September 2026") in text
    assert PERSIAN_TITLE not in text


def test_the_first_page_is_the_boards_summary(files: dict[Any, bytes], tmp_path: Path) -> None:
    first = pdf_text(files["pdf", "fa"], tmp_path, "fa.pdf", page=1)
    assert plain("شاخص‌های دوره") in first  # the indicators of the period
    assert plain("نمودارهای دوره") not in first  # the charts start on page 2


def test_html_is_right_to_left_with_server_side_svg_and_no_network(
    files: dict[Any, bytes],
) -> None:
    fa = files["html", "fa"].decode()
    en = files["html", "en"].decode()
    assert '<html lang="fa" dir="rtl">' in fa
    assert '<html lang="en" dir="ltr">' in en
    for html in (fa, en):
        assert html.count("<svg") >= 1 + 4 + 13  # weekly trend, bars, one strip per control
        assert "<script" not in html
        assert not re.search(r"(src|href)=\"(https?:)?//", html)
        assert "url(http" not in html


def test_every_text_of_the_persian_rendering_is_translated(signed: dict[str, Any]) -> None:
    view = build_view(parse_document(signed), "fa")
    html_of(view)
    cat: Catalogue = view.cat
    for table in (
        labels.INDICATORS,
        labels.STATUSES,
        labels.SYSTEM_STATES,
        labels.SEVERITIES,
        labels.CONFIDENTIALITY,
        labels.TACTICS,
    ):
        for text in table.values():
            cat.gettext(text)
    for control in builtin_controls():
        cat.gettext(control.title)
    for month in range(1, 13):
        cat.month(month)
        cat.gregorian_month(month)
    assert cat.missing == set()


# Latin words a Persian page may hold besides the document's own names and ids.
_LATIN = r"[A-Za-z][A-Za-z0-9&_.:/-]*"
_TECHNICAL_TERMS = {"API", "ATT&CK", "JSON", "SHA-256", "secops", "report", "verify", "FILE"}


def _proper_names(doc: dict[str, Any]) -> set[str]:
    """Words of the names and ids the document carries (systems, owners, controls, archives)."""
    names = [doc["report_id"], doc["period"]["label"], doc["generated_by"], doc["key_id"]]
    names += [doc["hash"], doc["preservation"]["snapshot_repository"] or ""]
    names += [a["name"] for a in doc["preservation"]["archives"]]
    names += [c["id"] for c in doc["controls"]]
    for system in doc["systems"]:
        names += [system["name"], system.get("owner") or ""]
    return {w for name in names for w in re.findall(_LATIN, name)}


def test_the_persian_rendering_holds_no_english_but_names(signed: dict[str, Any]) -> None:
    html = render_html(parse_document(signed), "fa")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    allowed = _TECHNICAL_TERMS | _proper_names(signed)
    words = {w.rstrip(":.") for w in re.findall(_LATIN, text.replace("&amp;", "&"))}
    assert words - allowed == set()


def test_a_report_of_format_1_is_refused_with_a_reason(signed: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError, match="compliance-report/2"):
        render_html(parse_document({**signed, "format": "secops.compliance-report/1"}), "fa")


def test_renderings_check_against_the_manifest_and_one_byte_fails(
    files: dict[Any, bytes], manifest: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    sealed = check_manifest(manifest, public_key=key.public_key())
    assert sealed.intact, sealed
    for (kind, lang), data in files.items():
        result = check_rendering(data, manifest, sealed)
        assert (result.intact, result.kind, result.lang) == (True, kind, lang)
    pdf = bytearray(files["pdf", "fa"])
    pdf[len(pdf) // 2] ^= 0x01
    altered = check_rendering(bytes(pdf), manifest, sealed)
    assert (altered.intact, altered.reason) == (False, "not_in_manifest")


def test_an_altered_manifest_or_another_key_fails(
    files: dict[Any, bytes], manifest: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    forged = {
        **manifest,
        "files": [*manifest["files"], {**manifest["files"][0], "sha256": "0" * 64}],
    }
    assert check_manifest(forged).reason == "altered"
    other = Ed25519PrivateKey.generate().public_key()
    assert check_manifest(manifest, public_key=other).reason == "wrong_key"
    result = verify_file(files["pdf", "en"], manifest=forged)
    assert (result.intact, result.reason) == (False, "altered")


def test_cli_verify_checks_pdf_html_and_manifest_offline(
    files: dict[Any, bytes],
    manifest: dict[str, Any],
    signed: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    rid = signed["report_id"]
    (tmp_path / f"{rid}.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for (kind, lang), data in files.items():
        (tmp_path / f"{rid}.{lang}.{kind}").write_bytes(data)
        assert main(["report", "verify", str(tmp_path / f"{rid}.{lang}.{kind}")]) == 0
    assert main(["report", "verify", str(tmp_path / f"{rid}.manifest.json")]) == 0

    pdf = bytearray(files["pdf", "fa"])
    pdf[100] ^= 0x20
    (tmp_path / f"{rid}.fa.pdf").write_bytes(bytes(pdf))
    capsys.readouterr()
    assert main(["report", "verify", str(tmp_path / f"{rid}.fa.pdf")]) == 1
    assert "not_in_manifest" in capsys.readouterr().err

    lone = tmp_path / "elsewhere"
    lone.mkdir()
    (lone / f"{rid}.en.pdf").write_bytes(files["pdf", "en"])
    assert main(["report", "verify", str(lone / f"{rid}.en.pdf")]) == 1  # no manifest beside it
    manifest_path = str(tmp_path / f"{rid}.manifest.json")
    assert main(["report", "verify", str(lone / f"{rid}.en.pdf"), "--manifest", manifest_path]) == 0


def test_an_unregistered_snapshot_repository_is_stated_in_both_languages(
    signed: dict[str, Any],
) -> None:
    unregistered = dict(signed)
    unregistered["preservation"] = {
        **signed["preservation"],
        "archives": [],
        "extra": {**signed["preservation"].get("extra", {}), "repository_registered": False},
    }
    en = render_html(parse_document(unregistered), "en")
    fa = render_html(parse_document(unregistered), "fa")
    assert "secops-archive: not registered; expired events are kept until it is" in en
    assert "secops-archive: ثبت نشده است؛ رویدادهای منقضی تا ثبت آن نگه داشته می‌شوند" in fa
    assert "not registered" not in render_html(parse_document(signed), "en")
    unread = dict(signed)
    unread["preservation"] = {
        **signed["preservation"],
        "extra": {"archive_error": "cannot read the snapshot repository: 403"},
    }
    assert "secops-archive: could not be read at signing" in render_html(
        parse_document(unread), "en"
    )
    assert "secops-archive: هنگام امضا خوانده نشد" in render_html(parse_document(unread), "fa")
