"""Values from events, rules and the register reach the report's HTML and PDF as text.

A system name, a host, a tactic or an archive name holding markup or Jinja2 syntax
is printed escaped and never evaluated; the PDF renderer fetches nothing, not even
a ``file://`` URL of the server's own disk.
"""

from __future__ import annotations

import io
from pathlib import Path

from compliance.rendering.report_sample import document
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from secops.compliance.rendering.page import render_html, render_pdf
from secops.compliance.rendering.view import parse_document

SCRIPT = "<script>alert(1)</script>"
JINJA = "{{ 7*7 }}{% if true %}X{% endif %}"


def test_markup_and_template_syntax_in_report_values_are_printed_as_text() -> None:
    doc = document(Ed25519PrivateKey.generate())
    system = doc["systems"][0]
    system["name"] = f"dms{SCRIPT}"
    system["host"] = f"dms-01{JINJA}"
    system["owner"] = '"><img src=x onerror=alert(1)>'
    doc["series"]["alerts_by_tactic"][f"impact{SCRIPT}"] = 3
    doc["preservation"]["archives"][0]["name"] = f"snap{JINJA}"
    model = parse_document(doc)
    for lang in ("en", "fa"):
        html = render_html(model, lang)
        assert "<script>" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "{{ 7*7 }}" in html  # printed as written, not evaluated to 49
        assert "{% if true %}X{% endif %}" in html


def test_the_pdf_renderer_fetches_no_url_not_even_a_local_file(tmp_path: Path) -> None:
    picture = tmp_path / "secret.png"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(buffer, format="PNG")
    picture.write_bytes(buffer.getvalue())
    html = (
        f'<html><head><link rel="stylesheet" href="{tmp_path.as_uri()}/x.css"></head><body>'
        f'<img src="{picture.as_uri()}"><img src="http://127.0.0.1:9/x.png">'
        f'<div style="background: url({picture.as_uri()})">x</div></body></html>'
    )
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF-")
    assert b"/Image" not in pdf  # the local picture was not read into the PDF
