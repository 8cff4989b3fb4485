"""Every Windows logsource of SigmaHQ's table routes to the events the table names.

Checked against SigmaHQ's own table (``../shared/sigma/thor.yml``), against the
Windows table of SigmaHQ's logsource guide (the taxonomy appendix of the Sigma
specification, copied below as data), against the providers of the Application
channel that SigmaHQ's rules name, and against the logsources the shared rule trees
use. The regression samples (``test_sigmahq.py``) still fire their rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import yaml

from secops.detect.mapping import Condition, FieldMapping
from secops.errors import RuleError

from .helpers import REPO, SIGMA

MAPPING = FieldMapping.load()
MAPPING_DIR = REPO / "secops" / "detect" / "mappings"
TREES = ("rules", "rules-emerging-threats", "rules-threat-hunting")

# The Windows folder of sigma-specification's specification/sigma-appendix-taxonomy.md
# (commit ba9251a, June 2026), lower-cased: category -> what selects its events.
SYSMON = "microsoft-windows-sysmon/operational"
PS = {"microsoft-windows-powershell/operational", "powershellcore/operational"}


def _ids(channels: str | set[str], *ids: str) -> dict[str, set[str]]:
    names = {channels} if isinstance(channels, str) else channels
    return {"winlog.channel": names, "winlog.event_id": set(ids)}


CATEGORIES: dict[str, dict[str, set[str]]] = {
    "process_creation": _ids(SYSMON, "1"),
    "file_change": _ids(SYSMON, "2"),
    "network_connection": _ids(SYSMON, "3"),
    "sysmon_status": _ids(SYSMON, "4", "16"),
    "process_termination": _ids(SYSMON, "5"),
    "driver_load": _ids(SYSMON, "6"),
    "image_load": _ids(SYSMON, "7"),
    "create_remote_thread": _ids(SYSMON, "8"),
    "raw_access_thread": _ids(SYSMON, "9"),
    "process_access": _ids(SYSMON, "10"),
    "file_event": _ids(SYSMON, "11"),
    "registry_event": _ids(SYSMON, "12", "13", "14"),
    "registry_add": _ids(SYSMON, "12"),
    "registry_delete": _ids(SYSMON, "12"),
    "registry_set": _ids(SYSMON, "13"),
    "registry_rename": _ids(SYSMON, "14"),
    "create_stream_hash": _ids(SYSMON, "15"),
    "pipe_created": _ids(SYSMON, "17", "18"),
    "wmi_event": _ids(SYSMON, "19", "20", "21"),
    "dns_query": _ids(SYSMON, "22"),
    "file_delete": _ids(SYSMON, "23"),
    "clipboard_capture": _ids(SYSMON, "24"),
    "process_tampering": _ids(SYSMON, "25"),
    "file_delete_detected": _ids(SYSMON, "26"),
    "file_block_executable": _ids(SYSMON, "27"),
    "file_block_shredding": _ids(SYSMON, "28"),
    "file_executable_detected": _ids(SYSMON, "29"),
    "sysmon_error": _ids(SYSMON, "255"),
    "file_access": {"winlog.provider_name": {"microsoft-windows-kernel-file"}},
    "ps_classic_start": _ids("windows powershell", "400"),
    "ps_classic_provider_start": _ids("windows powershell", "600"),
    "ps_classic_script": _ids("windows powershell", "800"),
    "ps_module": _ids(PS, "4103"),
    "ps_script": _ids(PS, "4104"),
    "file_rename": {"winlog.provider_name": {"microsoft-windows-kernel-file"}},
}

# service -> its channels
SERVICES = {
    "application": ["application"],
    "application-experience": [
        "microsoft-windows-application-experience/program-compatibility-assistant",
        "microsoft-windows-application-experience/program-telemetry",
    ],
    "applocker": [
        "microsoft-windows-applocker/exe and dll",
        "microsoft-windows-applocker/msi and script",
        "microsoft-windows-applocker/packaged app-deployment",
        "microsoft-windows-applocker/packaged app-execution",
    ],
    "appmodel-runtime": ["microsoft-windows-appmodel-runtime/admin"],
    "appxdeployment-server": ["microsoft-windows-appxdeploymentserver/operational"],
    "appxpackaging-om": ["microsoft-windows-appxpackaging/operational"],
    "bitlocker": ["microsoft-windows-bitlocker/bitlocker management"],
    "bits-client": ["microsoft-windows-bits-client/operational"],
    "capi2": ["microsoft-windows-capi2/operational"],
    "certificateservicesclient-lifecycle-system": [
        "microsoft-windows-certificateservicesclient-lifecycle-system/operational"
    ],
    "codeintegrity-operational": ["microsoft-windows-codeintegrity/operational"],
    "dhcp": ["microsoft-windows-dhcp-server/operational"],
    "diagnosis-scripted": ["microsoft-windows-diagnosis-scripted/operational"],
    "dns-client": ["microsoft-windows-dns client events/operational"],
    "dns-server": ["dns server"],
    "dns-server-analytic": ["microsoft-windows-dns-server/analytical"],
    "dns-server-audit": ["microsoft-windows-dns-server/audit"],
    "driver-framework": ["microsoft-windows-driverframeworks-usermode/operational"],
    "firewall-as": ["microsoft-windows-windows firewall with advanced security/firewall"],
    "hyper-v-worker": ["microsoft-windows-hyper-v-worker"],
    "iis-configuration": ["microsoft-iis-configuration/operational"],
    "kernel-event-tracing": ["microsoft-windows-kernel-eventtracing"],
    "kernel-shimengine": [
        "microsoft-windows-kernel-shimengine/diagnostic",
        "microsoft-windows-kernel-shimengine/operational",
    ],
    "ldap": ["microsoft-windows-ldap-client/debug"],
    "lsa-server": ["microsoft-windows-lsa/operational"],
    "msexchange-management": ["msexchange management"],
    "ntfs": ["microsoft-windows-ntfs/operational"],
    "ntlm": ["microsoft-windows-ntlm/operational"],
    "openssh": ["openssh/operational"],
    "powershell": ["microsoft-windows-powershell/operational"],
    "powershell-classic": ["windows powershell"],
    "printservice-admin": ["microsoft-windows-printservice/admin"],
    "printservice-operational": ["microsoft-windows-printservice/operational"],
    "security": ["security"],
    "security-mitigations": [
        "microsoft-windows-security-mitigations/kernel mode",
        "microsoft-windows-security-mitigations/user mode",
    ],
    "sense": ["microsoft-windows-sense/operational"],
    "servicebus-client": [
        "microsoft-servicebus-client/admin",
        "microsoft-servicebus-client/operational",
    ],
    "shell-core": ["microsoft-windows-shell-core/operational"],
    "smbclient-security": ["microsoft-windows-smbclient/security"],
    "sysmon": ["microsoft-windows-sysmon/operational"],
    "system": ["system"],
    "taskscheduler": ["microsoft-windows-taskscheduler/operational"],
    "terminalservices-localsessionmanager": [
        "microsoft-windows-terminalservices-localsessionmanager/operational"
    ],
    "vhdmp": ["microsoft-windows-vhdmp/operational"],
    "windefend": ["microsoft-windows-windows defender/operational"],
    "wmi": ["microsoft-windows-wmi-activity/operational"],
}


def _routes(logsource: Mapping[str, str]) -> tuple[Condition, ...]:
    routes = MAPPING.routes(logsource)
    assert routes, f"{logsource} is routed to no event"
    return routes


def _covers(routes: tuple[Condition, ...], expected: Mapping[str, set[str]]) -> bool:
    """Some route selects at least the expected values of every expected field."""
    return any(all(r.get(f, frozenset()) >= v for f, v in expected.items()) for r in routes)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_taxonomy_categories(category: str) -> None:
    routes = _routes({"product": "windows", "category": category})
    assert _covers(routes, CATEGORIES[category]), routes


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_taxonomy_services(service: str) -> None:
    routes = _routes({"product": "windows", "service": service})
    assert _covers(routes, {"winlog.channel": set(SERVICES[service])}), routes


def _thor() -> dict[str, Any]:
    return yaml.safe_load((SIGMA / "thor.yml").read_text(encoding="utf-8"))["logsources"]


def _thor_channels() -> dict[str, set[str]]:
    """thor.yml's Windows services -> their channels."""
    channels: dict[str, set[str]] = {}
    for entry in _thor().values():
        if entry.get("product") == "windows" and "service" in entry:
            names = {s.removeprefix("WinEventLog:").lower() for s in entry.get("sources") or []}
            channels[entry["service"]] = names
    return channels


def _thor_windows() -> Iterator[tuple[str, dict[str, str], dict[str, set[str]]]]:
    """(name, logsource, expected event values) of every Windows entry of thor.yml."""
    channels = _thor_channels()
    for name, entry in _thor().items():
        rewrite = entry.get("rewrite") or {}
        if "windows" not in (entry.get("product"), rewrite.get("product")):
            continue
        logsource = {k: str(entry[k]) for k in ("product", "category", "service") if k in entry}
        conditions = entry.get("conditions") or {}
        if conditions:
            ids = conditions["EventID"]
            expected = {
                "winlog.channel": channels[rewrite["service"]],
                "winlog.event_id": {str(i) for i in (ids if isinstance(ids, list) else [ids])},
            }
            if "EventType" in conditions:
                expected["winlog.event_data.EventType"] = {conditions["EventType"].lower()}
        else:
            expected = {"winlog.channel": channels[entry["service"]]}
        yield name, logsource, expected


@pytest.mark.parametrize(("name", "logsource", "expected"), list(_thor_windows()))
def test_thor_table(name: str, logsource: dict[str, str], expected: dict[str, set[str]]) -> None:
    routes = _routes(logsource)
    assert _covers(routes, expected), f"{name}: {routes}"


def test_thor_table_is_read_whole() -> None:
    assert len(list(_thor_windows())) >= 80


def _provider_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Provider_Name":  # equality only; `|contains` names no provider
                yield from (str(v) for v in (value if isinstance(value, list) else [value]))
            else:
                yield from _provider_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _provider_names(item)


def _application_providers() -> set[str]:
    found: set[str] = set()
    for path in (SIGMA / "rules" / "windows" / "builtin" / "application").rglob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.update(_provider_names(doc.get("detection")))
    return found


def test_every_application_provider_of_sigmahq_has_a_service() -> None:
    providers = _application_providers()
    assert {"ESENT", "MsiInstaller", "MSSQLSERVER$AUDIT", "Application Error"} <= providers
    doc = yaml.safe_load((MAPPING_DIR / "logsources.yml").read_text(encoding="utf-8"))["logsources"]
    routed: dict[str, str] = {}
    for entry in doc:
        ls = entry["logsource"]
        for condition in entry["conditions"]:
            if ls.get("product") == "windows" and condition.get("winlog.channel") == "Application":
                names = condition.get("winlog.provider_name", [])
                for provider in names if isinstance(names, list) else [names]:
                    routed[provider] = ls["service"]
    assert sorted(providers - set(routed)) == []
    for provider, service in routed.items():
        routes = _routes({"product": "windows", "service": service})
        assert _covers(
            routes, {"winlog.channel": {"application"}, "winlog.provider_name": {provider.lower()}}
        )


def test_every_windows_logsource_of_the_shared_rules_is_supported() -> None:
    unsupported: dict[str, str] = {}
    for tree in TREES:
        for path in (SIGMA / tree).rglob("*.yml"):
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                logsource = (doc or {}).get("logsource") or {}
                if logsource.get("product") != "windows" and "category" not in logsource:
                    continue
                if logsource.get("product") not in (None, "windows"):
                    continue
                try:
                    MAPPING.routes(logsource)
                except RuleError as exc:
                    unsupported[str(path)] = exc.message
    # Web server and proxy logs of any product; Windows needs none of them.
    assert {p: r for p, r in unsupported.items() if "product=windows" in r} == {}
