"""How much key material a configured secret holds, to refuse weak ones at start-up.

A secret written as hex or base64 (what ``openssl rand -hex 32`` or
``secrets.token_urlsafe(32)`` print) counts by its decoded bytes; anything else by its
UTF-8 bytes. Nothing can prove text random, so this refuses what is clearly short or
repetitive, not what is merely guessable.
"""

from __future__ import annotations

import base64
import binascii
import re

MIN_KEY_BYTES = 32
_MIN_DISTINCT = 16  # 32 random bytes have ~30 distinct values; "aaaa…" or "ab"*16 have few

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def key_material(text: str) -> bytes:
    """The bytes ``text`` stands for: decoded hex or base64, else its UTF-8 encoding."""
    text = text.strip()
    if _HEX.fullmatch(text):
        return bytes.fromhex(text)
    if _BASE64.fullmatch(text) and len(text.rstrip("=")) % 4 != 1:
        standard = text.replace("-", "+").replace("_", "/").rstrip("=")
        try:
            return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except binascii.Error:
            pass
    return text.encode("utf-8", "surrogatepass")


def weakness(text: str) -> str | None:
    """Why ``text`` is too weak to be a key, or None."""
    material = key_material(text)
    if len(material) < MIN_KEY_BYTES:
        return f"holds {len(material)} bytes of key material, fewer than {MIN_KEY_BYTES}"
    if len(set(material)) < _MIN_DISTINCT:
        return "repeats a few values; it is not random"
    return None
