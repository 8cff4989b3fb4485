"""Every text of the console comes from the message catalogues, and Persian has them all."""

from __future__ import annotations

import re

from jinja2.ext import babel_extract

from api.console.i18n import catalogue
from api.console.vocabulary import DYNAMIC_MESSAGES
from api.console.web import TEMPLATES

# The language switch names each language in itself, whatever the page's language.
ENDONYMS = {"فارسی", "English"}
_TAG = re.compile(r"<[^>]*>")
_ATTRIBUTE_TEXT = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"{]*)"')
_LETTER = re.compile(r"[^\W\d_]")


def _template_messages() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    for path in sorted(TEMPLATES.glob("*.html")):
        with path.open("rb") as handle:
            for line, _, message, _ in babel_extract(handle, ["_", "gettext"], [], options):
                if isinstance(message, str):
                    found.setdefault(message, []).append(f"{path.name}:{line}")
    return found


def test_persian_translates_every_message() -> None:
    fa = catalogue("fa")
    wanted = [*_template_messages(), *DYNAMIC_MESSAGES]
    assert len(wanted) > 100
    missing = [m for m in wanted if not fa.get(m)]
    assert not missing, f"not translated to Persian: {missing}"


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def _raw_texts(source: str) -> list[str]:
    """Text of a template outside Jinja's ``{{ }}`` and ``{% %}``: the literal words
    between tags, and the literal values of the attributes people read."""
    plain = _JINJA.sub("\x00", source)
    texts = _ATTRIBUTE_TEXT.findall(plain)
    texts.extend(w.strip("\x00") for w in _TAG.sub(" ", plain).split())
    return [t for t in texts if t]


def test_no_template_text_bypasses_the_catalogue() -> None:
    offending = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for text in _raw_texts(path.read_text()):
            if _LETTER.search(text) and text not in ENDONYMS:
                offending.append(f"{path.name}: {text!r}")
    assert not offending, "text outside the catalogue:\n" + "\n".join(offending)


def test_the_check_finds_raw_text() -> None:
    # The check itself: a literal word between tags or in a placeholder is found.
    source = '<p class="x">Hello {{ _("Fine") }}</p><input placeholder="Name">{% if a %}{% endif %}'
    assert _raw_texts(source) == ["Name", "Hello"]
