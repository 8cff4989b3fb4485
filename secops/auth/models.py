"""Models of access control: stored documents and API bodies (the caller: ``principals``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from secops.auth.principals import AnyRole, HumanRole, Role

Username = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]{1,63}$", strip_whitespace=True)
]
# [0-9], not \d: the regex engine's \d also matches other scripts' digits.
TotpCode = Annotated[str, StringConstraints(pattern=r"^\s*[0-9]{6}\s*$")]
Password = Annotated[str, StringConstraints(max_length=1024)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Stored documents ----------------------------------------------------------


class UserDoc(BaseModel):
    username: str
    display_name: str
    password_hash: str
    roles: list[HumanRole]
    disabled: bool = False
    totp_secret: str | None = None  # sealed with the data key
    mfa_confirmed: bool = False
    recovery_codes: list[str] = Field(default_factory=list)  # sha256 digests
    totp_last_step: int = 0
    security_stamp: int = 0  # bumped to invalidate every token and session at once
    must_change_password: bool = False  # set by an administrator's reset
    created_at: datetime
    created_by: str
    updated_at: datetime
    last_login_at: datetime | None = None
    language: str | None = None  # the console's language ("fa", "en"); None: the default
    saved_views: dict[str, str] = Field(default_factory=dict)  # console queue: name → query


class ApiKeyDoc(BaseModel):
    name: str
    roles: list[AnyRole]
    secret_hash: str
    previous_hash: str | None = None
    previous_valid_until: datetime | None = None
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class SessionDoc(BaseModel):
    username: str
    roles: list[HumanRole]
    security_stamp: int
    refresh_hash: str
    used_refresh_hashes: list[str] = Field(default_factory=list)
    refresh_expires_at: datetime
    mfa_verified_at: datetime
    created_at: datetime
    address: str | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


# API bodies ------------------------------------------------------------------


class LoginRequest(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"username": "jdoe", "password": "correct horse battery staple", "totp": "123456"}
            ]
        }
    )

    username: Annotated[str, StringConstraints(max_length=128)]
    password: Password
    totp: TotpCode | None = None
    recovery_code: Annotated[str, StringConstraints(max_length=64)] | None = None


class TokenPair(BaseModel):
    status: Literal["ok"] = "ok"
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    session_id: str


class EnrolmentRequired(BaseModel):
    status: Literal["mfa_enrollment_required"] = "mfa_enrollment_required"
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    enrollment_token: str
    expires_in: int


class PasswordChangeRequired(BaseModel):
    """The password was set by an administrator: the token opens only POST /auth/password."""

    status: Literal["password_change_required"] = "password_change_required"
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    password_change_token: str
    expires_in: int


class PasswordChange(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery staple",
                    "code": "123456",
                    "new_password": "violet lantern orbit quarry",
                }
            ]
        }
    )

    current_password: Password
    code: TotpCode
    new_password: Password  # the policy (passwords.check_new_password) names a broken rule


class RefreshRequest(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "v2.3f9c0b7e"}]})

    refresh_token: Annotated[str, StringConstraints(max_length=512)]


class CodeRequest(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "123456"}]})

    code: TotpCode


class MfaEnrollment(BaseModel):
    provisioning_uri: str
    secret: str
    qr_svg_base64: str


class MfaConfirmed(BaseModel):
    recovery_codes: list[str]
    tokens: TokenPair | PasswordChangeRequired


class AccessToken(BaseModel):
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    access_token: str
    expires_in: int


class Me(BaseModel):
    id: str
    kind: str
    name: str
    roles: list[str]
    mfa_verified_at: datetime | None
    session_id: str | None


class UserCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"username": "jdoe", "display_name": "Jane Doe", "roles": ["soc_operator"]}
            ]
        }
    )

    username: Username
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    roles: Annotated[list[HumanRole], Field(min_length=1)]


class UserUpdate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"roles": ["soc_operator", "auditor"]}, {"display_name": "Jane Doe"}]
        }
    )

    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    roles: Annotated[list[HumanRole], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _something(self) -> UserUpdate:
        if self.display_name is None and self.roles is None:
            raise ValueError("give roles, display_name or both")
        return self


class UserView(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    disabled: bool
    mfa_confirmed: bool
    must_change_password: bool
    recovery_codes_left: int
    created_at: datetime
    last_login_at: datetime | None


class UserCreated(BaseModel):
    user: UserView
    initial_password: str


class ApiKeyCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "document-management", "roles": ["ingest"], "expires_in_days": 365}
            ]
        }
    )

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    roles: Annotated[list[AnyRole], Field(min_length=1)] = [Role.ingest]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = 365


class ApiKeyRotate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"grace_seconds": 3600}]})

    grace_seconds: Annotated[int, Field(ge=0, le=30 * 86400)] | None = None


class ApiKeyView(BaseModel):
    id: str
    name: str
    roles: list[str]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    rotated_at: datetime | None
    previous_valid_until: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(BaseModel):
    key: str  # shown once
    apikey: ApiKeyView
