"""Suppressions: field conditions that stop alerts of one rule (or all) until they expire.

Each suppression counts the alerts it stopped, so a list of them shows how much
noise each one removes, and which ones hide more than they should.

Two suppressions are refused because they cannot be what the operator meant: one
that expires before it is created (it would never apply), and one with neither a
rule nor a condition (it silences every alert, an outage of the SOC) unless
``all_alerts`` confirms it.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from elasticsearch import ConflictError as ESConflictError
from elasticsearch import NotFoundError as ESNotFoundError
from pydantic import BaseModel, ConfigDict, Field, model_validator

from secops.alerts.build import get_path, parse_time
from secops.context import Context
from secops.errors import InvalidInputError, NotFoundError
from secops.times import iso_millis

INDEX = "suppressions"


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(pattern=r"^[@A-Za-z0-9_][A-Za-z0-9_.@-]{0,200}$", examples=["source.ip"])
    op: Literal["equals", "in", "cidr"] = "equals"
    value: str | int | float | bool | list[str | int | float] = Field(examples=["10.20.0.0/16"])

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("op 'in' needs a list of values")
        if self.op != "in" and isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs one value")
        if self.op == "cidr":
            try:
                ipaddress.ip_network(str(self.value), strict=False)
            except ValueError as exc:
                raise ValueError(f"not a CIDR block: {self.value!r}") from exc
        return self

    def holds(self, value: Any) -> bool:
        values = value if isinstance(value, list) else [value]
        return any(self._one(v) for v in values if v is not None)

    def _one(self, value: Any) -> bool:
        if self.op == "equals":
            return str(value) == str(self.value)
        if self.op == "in":
            assert isinstance(self.value, list)
            return str(value) in {str(v) for v in self.value}
        try:
            return ipaddress.ip_address(str(value)) in ipaddress.ip_network(
                str(self.value), strict=False
            )
        except ValueError:
            return False


class SuppressionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rule_id": "b3c1b1d5-52e8-4b39-8c8b-6e3b1f2d7a11",
                    "conditions": [{"field": "source.ip", "op": "cidr", "value": "10.20.0.0/16"}],
                    "reason": "Authorised vulnerability scanner of the IT department",
                    "expires_at": "2030-01-31T00:00:00Z",
                }
            ]
        },
    )

    rule_id: str | None = Field(None, description="Only this rule's alerts; absent = every rule")
    conditions: list[Condition] = Field(
        default_factory=list,
        max_length=20,
        description="All must hold; none = every alert of `rule_id`",
    )
    reason: str = Field(min_length=3, max_length=2000)
    expires_at: datetime | None = Field(
        None, description="Absent = until deleted; must be in the future"
    )
    all_alerts: bool = Field(
        False,
        description="Confirms a suppression with neither rule_id nor conditions: it "
        "silences every alert",
    )

    @model_validator(mode="after")
    def _scope(self) -> SuppressionIn:
        narrowed = self.rule_id is not None or bool(self.conditions)
        if not narrowed and not self.all_alerts:
            raise ValueError(
                "a suppression with neither rule_id nor conditions silences every alert; "
                "narrow it, or send all_alerts: true to confirm that is meant"
            )
        if narrowed and self.all_alerts:
            raise ValueError(
                "all_alerts confirms a suppression of every alert; it cannot have rule_id "
                "or conditions"
            )
        return self


class SuppressionUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"expires_at": "2030-06-30T00:00:00Z"}]},
    )
    reason: str | None = Field(None, min_length=3, max_length=2000)
    expires_at: datetime | None = None


class Suppression(SuppressionIn):
    model_config = ConfigDict(extra="ignore")

    id: str
    author: str
    created_at: datetime
    suppressed: int = Field(0, description="Alerts this suppression stopped")
    last_suppressed_at: datetime | None = None
    active: bool = True

    def applies(self, rule_id: str, alert: Mapping[str, Any]) -> bool:
        """Whether it stops ``alert``: every condition holds on the alert or its first event."""
        if self.rule_id is not None and self.rule_id != rule_id:
            return False
        events = alert.get("events") or [{}]
        for cond in self.conditions:
            value = get_path(dict(alert), cond.field)
            if value is None:
                value = get_path(events[0], cond.field)
            if not cond.holds(value):
                return False
        return True


def _from_hit(hit: dict[str, Any], now: datetime) -> Suppression:
    src = hit["_source"]
    expires = src.get("expires_at")
    active = expires is None or datetime.fromisoformat(expires.replace("Z", "+00:00")) > now
    return Suppression.model_validate({**src, "id": hit["_id"], "active": active})


def create_suppression(
    ctx: Context, *, spec: SuppressionIn, author: str, now: datetime | None = None
) -> Suppression:
    """Store ``spec``; refused when it expires at or before ``now`` (it would never apply)."""
    now = now or datetime.now(UTC)
    if spec.expires_at is not None and parse_time(spec.expires_at) <= now:
        raise InvalidInputError(
            f"expires_at {iso_millis(parse_time(spec.expires_at))} is not in the future (now "
            f"{iso_millis(now)}): the suppression would never apply; give a later time, or none "
            "to keep it until deleted"
        )
    doc = spec.model_dump(mode="json")
    doc.update({"author": author, "created_at": iso_millis(now), "suppressed": 0})
    sid = uuid.uuid4().hex
    # wait_for: the next write_alerts must already see it.
    ctx.es.index(index=ctx.names.index(INDEX), id=sid, document=doc, refresh="wait_for")
    return _from_hit({"_id": sid, "_source": doc}, now)


def get_suppression(ctx: Context, *, suppression_id: str) -> Suppression:
    try:
        hit = ctx.es.get(index=ctx.names.index(INDEX), id=suppression_id)
    except ESNotFoundError as exc:
        raise NotFoundError(f"no suppression {suppression_id!r}") from exc
    return _from_hit(dict(hit), datetime.now(UTC))


def list_suppressions(
    ctx: Context, *, include_expired: bool = False, limit: int = 1000
) -> list[Suppression]:
    now = datetime.now(UTC)
    query: dict[str, Any] = {"match_all": {}}
    if not include_expired:
        query = _active_query(now)
    resp = ctx.es.search(
        index=ctx.names.index(INDEX),
        query=query,
        size=limit,
        sort=[{"created_at": "desc"}],
        ignore_unavailable=True,
    )
    return [_from_hit(h, now) for h in resp["hits"]["hits"]]


def _active_query(now: datetime) -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                {"bool": {"must_not": {"exists": {"field": "expires_at"}}}},
                {"range": {"expires_at": {"gt": iso_millis(now)}}},
            ],
            "minimum_should_match": 1,
        }
    }


def active_suppressions(ctx: Context, *, now: datetime) -> list[Suppression]:
    resp = ctx.es.search(
        index=ctx.names.index(INDEX), query=_active_query(now), size=1000, ignore_unavailable=True
    )
    return [_from_hit(h, now) for h in resp["hits"]["hits"]]


def update_suppression(
    ctx: Context, *, suppression_id: str, change: SuppressionUpdate
) -> Suppression:
    fields = change.model_dump(mode="json", exclude_unset=True)
    try:
        ctx.es.update(
            index=ctx.names.index(INDEX), id=suppression_id, doc=fields, refresh="wait_for"
        )
    except ESNotFoundError as exc:
        raise NotFoundError(f"no suppression {suppression_id!r}") from exc
    return get_suppression(ctx, suppression_id=suppression_id)


def delete_suppression(ctx: Context, *, suppression_id: str) -> None:
    try:
        ctx.es.delete(index=ctx.names.index(INDEX), id=suppression_id, refresh="wait_for")
    except ESNotFoundError as exc:
        raise NotFoundError(f"no suppression {suppression_id!r}") from exc


def record_hits(ctx: Context, *, hits: Mapping[str, int], now: datetime) -> None:
    """Add ``hits`` to the suppressions' counters; optimistic, retried on a concurrent write."""
    index = ctx.names.index(INDEX)
    for sid, n in hits.items():
        for _ in range(10):
            try:
                cur = ctx.es.get(index=index, id=sid)
            except ESNotFoundError:
                break  # deleted meanwhile: nothing left to count on
            src = dict(cur["_source"])
            src["suppressed"] = int(src.get("suppressed", 0)) + n
            src["last_suppressed_at"] = iso_millis(now)
            try:
                ctx.es.index(
                    index=index,
                    id=sid,
                    document=src,
                    if_seq_no=cur["_seq_no"],
                    if_primary_term=cur["_primary_term"],
                )
                break
            except ESConflictError:
                continue
