"""The console's third-party files are the ones recorded, with their licences; nothing
is loaded from another origin and no template carries inline script or style."""

from __future__ import annotations

import hashlib
import json
import re

from api.console.assets import STATIC, assets
from api.console.web import TEMPLATES


def test_vendored_files_match_their_record() -> None:
    record = json.loads((STATIC / "VENDORED.json").read_text())["files"]
    assert {"htmx.min.js", "fonts/Vazirmatn-Regular.woff2"} <= set(record)
    for name, entry in record.items():
        content = (STATIC / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], name
        assert entry["version"]
        assert entry["licence"]
        assert (STATIC / entry["licence_file"]).stat().st_size > 100
    assert "htmx.min.js" in assets()


def test_templates_load_nothing_from_elsewhere_and_inline_nothing() -> None:
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", text), path.name
        assert "<style" not in text, path.name
        assert not re.search(r"\sstyle=", text), path.name
        assert not re.search(r"\son[a-z]+=", text), path.name  # event handler attributes
        assert not re.search(r"(src|href)=\"(https?:)?//", text), path.name
    css = (STATIC / "console.css").read_text()
    assert "http" not in css
