"""Password hashes (argon2id) and the constant work done for unknown accounts."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from secops.errors import InvalidInputError

MIN_LENGTH = 12

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise InvalidInputError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def check_new_password(new: str, *, username: str, current: str) -> None:
    """Refuse a new password that breaks a rule, naming the rule."""
    if len(new) < MIN_LENGTH:
        raise InvalidInputError(
            f"the new password breaks the rule min_length: at least {MIN_LENGTH} characters"
        )
    if new.strip().lower() == username.strip().lower():
        raise InvalidInputError("the new password breaks the rule not_username: it is the username")
    if new == current:
        raise InvalidInputError(
            "the new password breaks the rule not_current: it is the current password"
        )


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spend the time a real check takes, so unknown accounts answer as slowly as known ones."""
    verify_password(_dummy_hash(), password)


def generate_password() -> str:
    return secrets.token_urlsafe(18)  # 24 characters, 144 bits
