"""TOTP codes (RFC 6238 via pyotp) with replay refusal, and one-time recovery codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg

ISSUER = "secops"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # one step of clock drift either way
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg_base64(uri: str) -> str:
    """The provisioning URI as a QR code, an SVG image in base64 (no imaging library needed)."""
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    return base64.b64encode(buf.getvalue()).decode()


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, *, now: datetime, last_step: int) -> int | None:
    """The time step whose code ``code`` is, if it is within the drift and newer than ``last_step``.

    A code of ``last_step`` or older is refused even when genuine: each code is
    accepted once, and never after a newer one.
    """
    code = code.strip()
    # ASCII only: str.isdigit() also admits other scripts' digits (١٢٣), which no code has.
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = time_step(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate so that timing does not tell which step matched.
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and step > last_step:
            found = step
    return found


def new_recovery_codes() -> list[str]:
    """Ten codes of 80 random bits each, e.g. ``K7QD-M2XA-PL4T-9WRB``."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(alphabet) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    # 80-bit random codes: a plain digest is as strong as a slow hash here.
    normal = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(b"secops-recovery:" + normal.encode()).hexdigest()


def find_recovery_code(code: str, hashes: list[str]) -> str | None:
    """The stored hash that ``code`` matches, compared in constant time against each."""
    digest = hash_recovery_code(code)
    found = None
    for stored in hashes:
        if hmac.compare_digest(stored, digest):
            found = stored
    return found
