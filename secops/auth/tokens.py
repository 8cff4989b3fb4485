"""Signed access tokens: a compact JSON payload and its HMAC-SHA256, both base64url.

``<payload>.<mac>``; the payload names the key (``kid``), the session, the roles,
when it was issued, when it expires and when the holder last proved MFA. Tokens
of type ``enroll`` let an account without confirmed MFA do nothing but enrol;
tokens of type ``password`` let an account whose password an administrator set
do nothing but change it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Literal

from secops.errors import AuthError

TokenType = Literal["access", "enroll", "password"]


@dataclass(frozen=True)
class TokenClaims:
    typ: TokenType
    sub: str  # username
    sid: str | None  # session id (None for enrolment tokens)
    roles: tuple[str, ...]
    iat: int
    exp: int
    mfa: int | None  # epoch seconds of the last TOTP proof
    stamp: int  # the account's security stamp when issued


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign(claims: TokenClaims, *, key: bytes, kid: str) -> str:
    body = {
        "kid": kid,
        "typ": claims.typ,
        "sub": claims.sub,
        "sid": claims.sid,
        "roles": list(claims.roles),
        "iat": claims.iat,
        "exp": claims.exp,
        "mfa": claims.mfa,
        "stamp": claims.stamp,
    }
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_mac(key, payload)}"


def verify(token: str, *, key: bytes, kid: str, now: int) -> TokenClaims:
    """The claims of a genuine, unexpired token; AuthError otherwise."""
    payload, dot, mac = token.partition(".")
    # Bytes, not str: compare_digest refuses str holding non-ASCII, which a header may.
    expected = _mac(key, payload).encode()
    if not dot or not hmac.compare_digest(expected, mac.encode("utf-8", "replace")):
        raise AuthError("invalid token")
    try:
        body = json.loads(_unb64(payload))
        if body["kid"] != kid:
            raise AuthError("token signed by an unknown key")
        claims = TokenClaims(
            typ=body["typ"],
            sub=str(body["sub"]),
            sid=body["sid"],
            roles=tuple(body["roles"]),
            iat=int(body["iat"]),
            exp=int(body["exp"]),
            mfa=None if body["mfa"] is None else int(body["mfa"]),
            stamp=int(body["stamp"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise AuthError("invalid token") from exc
    if claims.typ not in ("access", "enroll", "password"):
        raise AuthError("invalid token")
    if now >= claims.exp:
        raise AuthError("token expired")
    return claims
