"""The chain's arithmetic: canonical form, hash, signature. No I/O.

An entry's hash is the SHA-256, in hex, of the canonical JSON of the stored
document without ``hash`` and ``signature``: keys sorted, no whitespace, UTF-8,
no NaN. ``prev_hash`` and ``seq`` are inside it, which links the chain. The
signature is Ed25519 over the 32 raw bytes of that hash, base64-encoded. Any
auditor can recompute both with a JSON library and the public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS_HASH = "0" * 64  # prev_hash of seq 1
_UNHASHED = frozenset({"hash", "signature"})


def canonical_bytes(doc: dict[str, Any]) -> bytes:
    body = {k: v for k, v in doc.items() if k not in _UNHASHED}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def entry_hash(doc: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(doc)).hexdigest()


def sign(key: Ed25519PrivateKey, hash_hex: str) -> str:
    return base64.b64encode(key.sign(bytes.fromhex(hash_hex))).decode()


def signature_valid(key: Ed25519PublicKey, hash_hex: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), bytes.fromhex(hash_hex))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def seal(doc: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``doc`` with its hash and signature set."""
    digest = entry_hash(doc)
    return {**doc, "hash": digest, "signature": sign(key, digest)}
