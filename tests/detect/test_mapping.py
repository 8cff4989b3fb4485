"""Routing and field names come from the mapping files and a user file can extend them."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.detect.mapping import FieldMapping, UnsupportedLogsourceError


def test_windows_categories_route_to_channel_and_event_id() -> None:
    routes = FieldMapping.load().routes({"product": "windows", "category": "process_creation"})
    assert routes is not None
    pairs = {(next(iter(r["winlog.channel"])), next(iter(r["winlog.event_id"]))) for r in routes}
    assert pairs == {("microsoft-windows-sysmon/operational", "1"), ("security", "4688")}


def test_the_most_specific_entry_wins_and_uncovered_logsources_are_unsupported() -> None:
    mapping = FieldMapping.load()
    assert mapping.routes({"product": "linux", "service": "sshd"}) == (
        {"event.dataset": frozenset({"linux.sshd"})},
    )
    # The product's entry does not cover a service it does not name.
    with pytest.raises(UnsupportedLogsourceError, match="product=windows, service=no-such"):
        mapping.routes({"product": "windows", "service": "no-such-service"})
    with pytest.raises(UnsupportedLogsourceError, match="product=aws, service=cloudtrail"):
        mapping.routes({"product": "aws", "service": "cloudtrail"})
    assert mapping.routes({}) is None


def test_field_names_per_logsource() -> None:
    mapping = FieldMapping.load()
    win = mapping.field_resolver({"product": "windows", "service": "security"})
    assert win("EventID") == ("winlog.event_id",)
    assert win("TargetUserName") == ("winlog.event_data.TargetUserName",)
    web = mapping.field_resolver({"category": "webserver"})
    assert web("cs-uri-query") == ("url.query",)
    assert web("c-ip") == ("source.ip",)
    audit = mapping.field_resolver({"product": "linux", "service": "auditd"})
    assert audit("type") == ("auditd.log.record_types",)
    assert audit("exe") == ("auditd.log.exe",)
    plain = mapping.field_resolver({"product": "parliament"})
    assert plain("parliament.document.id") == ("parliament.document.id",)


def test_user_mapping_file_extends_ours(tmp_path: Path) -> None:
    user = tmp_path / "mine.yml"
    user.write_text(
        "logsources:\n"
        "  - logsource: {product: vpn}\n"
        "    conditions: [{event.dataset: vpn.gateway}]\n"
        "fields:\n"
        "  - logsource: {product: vpn}\n"
        "    fields: {User: [user.name, client.user.name]}\n"
    )
    mapping = FieldMapping.load(user)
    assert mapping.routes({"product": "vpn"}) == ({"event.dataset": frozenset({"vpn.gateway"})},)
    assert mapping.field_resolver({"product": "vpn"})("User") == ("user.name", "client.user.name")
