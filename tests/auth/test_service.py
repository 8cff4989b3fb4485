"""The login flow against the real store: TOTP, replay, drift, lockout, recovery codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from secops.auth import sessions, totp, users
from secops.auth.logins import login
from secops.auth.mfa import confirm, enroll
from secops.auth.models import EnrolmentRequired, LoginRequest, TokenPair
from secops.auth.principals import Principal
from secops.auth.proof import LOGIN_FAILED
from secops.context import Context
from secops.errors import AuthError, ConflictError, InvalidInputError, RateLimitedError

from .support import Account, enrolled, later

ADDR = "192.0.2.10"


def _login(ctx: Context, acct: Account, now: datetime, **factor: str) -> TokenPair:
    req = LoginRequest(username=acct.username, password=acct.password, **factor)
    result = login(ctx, request=req, address=ADDR, now=now)
    assert isinstance(result, TokenPair)
    return result


def _refused(ctx: Context, now: datetime, address: str = ADDR, **fields: str) -> AuthError:
    with pytest.raises(AuthError) as err:
        login(ctx, request=LoginRequest(**fields), address=address, now=now)  # type: ignore[arg-type]
    return err.value


def test_login_with_password_and_current_code_opens_a_session(ctx: Context) -> None:
    now = datetime.now(UTC)
    acct = enrolled(ctx, "alice", ["soc_operator"], now=now)
    pair = _login(ctx, acct, now, totp=acct.code(totp.time_step(now)))
    who = sessions.authenticate(ctx, token=pair.access_token, now=now)
    assert who.name == "alice"
    assert who.roles == frozenset({"soc_operator"})
    assert who.session_id == pair.session_id
    assert who.mfa_verified_at is not None
    assert abs((who.mfa_verified_at - now).total_seconds()) < 1


def test_a_code_is_accepted_once_and_never_after_a_newer_one(ctx: Context) -> None:
    now = datetime.now(UTC)
    acct = enrolled(ctx, "bob", ["auditor"], now=now)
    step = totp.time_step(now)
    code = acct.code(step)
    _login(ctx, acct, now, totp=code)
    err = _refused(ctx, now, username="bob", password=acct.password, totp=code)
    assert err.message == LOGIN_FAILED
    # A newer step used, then the older (still within drift) is refused too.
    _login(ctx, acct, later(now, 1), totp=acct.code(step + 1))
    older = pyotp.TOTP(acct.secret).at((step) * totp.STEP_SECONDS)
    _refused(ctx, later(now, 2), username="bob", password=acct.password, totp=older)


def test_one_step_of_drift_is_accepted_and_two_are_refused(ctx: Context) -> None:
    t0 = datetime.now(UTC)
    acct = enrolled(ctx, "carol", ["admin"], now=t0)
    now = later(t0, 300)
    step = totp.time_step(now)
    for off in (2, -2):
        code = pyotp.TOTP(acct.secret).at((step + off) * totp.STEP_SECONDS)
        _refused(ctx, now, username="carol", password=acct.password, totp=code)
    _login(ctx, acct, now, totp=acct.code(step - 1))
    _login(ctx, acct, now, totp=acct.code(step + 1))


def test_unknown_user_wrong_password_and_wrong_code_fail_alike(ctx: Context) -> None:
    now = datetime.now(UTC)
    acct = enrolled(ctx, "dave", ["auditor"], now=now)
    code = acct.code(totp.time_step(now))
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    errors = [
        _refused(ctx, now, username="nobody", password=acct.password, totp=code),
        _refused(ctx, now, username="dave", password="wrong password!!", totp=code),
        _refused(ctx, now, username="dave", password=acct.password, totp=wrong_code),
        _refused(ctx, now, username="dave", password=acct.password),
    ]
    assert {(type(e), e.message, e.where) for e in errors} == {(AuthError, LOGIN_FAILED, None)}


def test_account_lockout_grows_and_ends(ctx: Context) -> None:
    now = datetime.now(UTC)
    acct = enrolled(ctx, "erin", ["soc_operator"], now=now)
    for i in range(5):  # threshold 5: the fifth failure locks for 2 s (from this address)
        _refused(ctx, later(now, i * 0.01), username="erin", password="not the password")
    with pytest.raises(RateLimitedError) as locked:
        _login(ctx, acct, later(now, 0.5), totp=acct.code(totp.time_step(now)))
    assert locked.value.retry_after == 2
    # After the delay, one more failure doubles it.
    _refused(ctx, later(now, 3), username="erin", password="still not it")
    with pytest.raises(RateLimitedError) as longer:
        _login(ctx, acct, later(now, 3.1), totp=acct.code(totp.time_step(now)))
    assert longer.value.retry_after == 4
    # The right credentials work once the delay has passed, and reset the counter.
    pair = _login(ctx, acct, later(now, 8), totp=acct.code(totp.time_step(later(now, 8)) + 1))
    assert pair.access_token
    _refused(ctx, later(now, 9), username="erin", password="one failure only")
    _login(ctx, acct, later(now, 9), recovery_code=acct.recovery_codes[0])


def test_an_unknown_name_locks_like_a_real_one(ctx: Context) -> None:
    now = datetime.now(UTC)
    for _ in range(5):
        _refused(ctx, now, username="ghost", password="whatever it is")
    with pytest.raises(RateLimitedError):
        login(ctx, request=LoginRequest(username="ghost", password="x"), address=ADDR, now=now)


def test_address_lockout_spans_account_names(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(update={"lockout_address_threshold": 3})
    now = datetime.now(UTC)
    acct = enrolled(ctx, "frank", ["auditor"], now=now)
    for name in ("u1", "u2", "u3"):
        _refused(ctx, now, address="203.0.113.99", username=name, password="guessing")
    with pytest.raises(RateLimitedError):
        _login_from(ctx, acct, now, "203.0.113.99")
    assert _login_from(ctx, acct, now, "203.0.113.100").access_token


def _login_from(ctx: Context, acct: Account, now: datetime, address: str) -> TokenPair:
    req = LoginRequest(username=acct.username, password=acct.password, totp=acct.next_code())
    result = login(ctx, request=req, address=address, now=now)
    assert isinstance(result, TokenPair)
    return result


def test_recovery_code_works_once(ctx: Context) -> None:
    now = datetime.now(UTC)
    acct = enrolled(ctx, "grace", ["admin"], now=now)
    assert len(acct.recovery_codes) == 10
    assert len(set(acct.recovery_codes)) == 10
    _login(ctx, acct, now, recovery_code=acct.recovery_codes[3].lower())
    _refused(
        ctx, now, username="grace", password=acct.password, recovery_code=acct.recovery_codes[3]
    )
    found = users.get_user(ctx, "grace")
    assert found is not None
    assert len(found[0].recovery_codes) == 9


def test_unconfirmed_account_gets_only_an_enrolment_token(ctx: Context) -> None:
    now = datetime.now(UTC)
    _, password = users.create_user(
        ctx,
        username="henry",
        display_name="Henry",
        roles=["soc_operator"],
        actor="system:test",
        now=now,
    )
    result = login(
        ctx, request=LoginRequest(username="henry", password=password), address=ADDR, now=now
    )
    assert isinstance(result, EnrolmentRequired)
    who = sessions.authenticate(ctx, token=result.enrollment_token, now=now)
    assert who.enrolment_only
    assert who.session_id is None
    identity = Principal(id="user:henry", kind="user", name="henry", roles=frozenset())
    secret = enroll(ctx, identity=identity, now=now).secret
    with pytest.raises(InvalidInputError):
        confirm(
            ctx,
            identity=identity,
            code="000000" if pyotp.TOTP(secret).at(now) != "000000" else "111111",
            now=now,
        )
    done = confirm(ctx, identity=identity, code=pyotp.TOTP(secret).at(now), now=now)
    assert len(done.recovery_codes) == 10
    assert sessions.authenticate(ctx, token=done.tokens.access_token, now=now).name == "henry"
    # Confirmation ends the enrolment token, and MFA cannot be replaced without a reset.
    with pytest.raises(AuthError):
        sessions.authenticate(ctx, token=result.enrollment_token, now=now)
    with pytest.raises(ConflictError):
        enroll(ctx, identity=identity, now=now)


def test_totp_secret_is_not_stored_in_clear(ctx: Context) -> None:
    now = datetime.now(UTC)
    acct = enrolled(ctx, "ivy", ["auditor"], now=now)
    raw = ctx.es.get(index=users.index(ctx), id="ivy")["_source"]
    stored = str(raw)
    assert acct.secret not in stored
    assert acct.password not in stored
    assert raw["password_hash"].startswith("$argon2id$")
    assert not any(code in stored for code in acct.recovery_codes)


def test_disable_and_reset_mfa_end_sessions(ctx: Context) -> None:
    now = datetime.now(UTC)
    a = enrolled(ctx, "jack", ["soc_operator"], now=now)
    b = enrolled(ctx, "kate", ["soc_operator"], now=now)
    pa = _login(ctx, a, now, totp=a.code(totp.time_step(now)))
    pb = _login(ctx, b, now, totp=b.code(totp.time_step(now)))
    users.disable_user(ctx, username="jack", actor="system:test")
    users.reset_mfa(ctx, username="kate", actor="system:test")
    for pair in (pa, pb):
        with pytest.raises(AuthError):
            sessions.authenticate(ctx, token=pair.access_token, now=now)
        with pytest.raises(AuthError):
            sessions.refresh(ctx, refresh_token=pair.refresh_token, now=now)
    _refused(ctx, now, username="jack", password=a.password, totp=a.code(a.last_step + 1))
    again = login(
        ctx, request=LoginRequest(username="kate", password=b.password), address=ADDR, now=now
    )
    assert isinstance(again, EnrolmentRequired)
