"""ECS fields lifted from Windows event data where the mapping is obvious.

Sysmon 1 / Security 4688 → process.* with parent; other Sysmon events with
``Image`` → process.executable/name/pid; 4624/4625/4634/4648/4672/4776 →
user.*, source.ip/port, event.outcome; Sysmon 3 → source/destination; Sysmon
11/23/26 → file.path; Sysmon 12/13/14 → registry.path. Categories follow.
"""

from __future__ import annotations

from secops.normalize.base import Event, add_related, basename, set_source_addr, set_user, to_int

_SYSMON = "Microsoft-Windows-Sysmon/Operational"
_CATEGORY_SYSMON: dict[str, tuple[list[str], list[str]]] = {
    "1": (["process"], ["start"]),
    "3": (["network"], ["connection"]),
    "5": (["process"], ["end"]),
    "6": (["driver"], ["start"]),
    "7": (["process"], ["change"]),
    "8": (["process"], ["change"]),
    "10": (["process"], ["access"]),
    "11": (["file"], ["creation"]),
    "12": (["registry"], ["change"]),
    "13": (["registry"], ["change"]),
    "14": (["registry"], ["change"]),
    "15": (["file"], ["creation"]),
    "17": (["file"], ["creation"]),
    "18": (["file"], ["access"]),
    "22": (["network"], ["protocol"]),
    "23": (["file"], ["deletion"]),
    "26": (["file"], ["deletion"]),
}
_CATEGORY_SECURITY: dict[str, tuple[list[str], list[str], str | None, str | None]] = {
    "4624": (["authentication"], ["start"], "logged-in", "success"),
    "4625": (["authentication"], ["start"], "logon-failed", "failure"),
    "4634": (["authentication"], ["end"], "logged-out", "success"),
    "4647": (["authentication"], ["end"], "logged-out", "success"),
    "4648": (["authentication"], ["start"], "logged-in-explicit", "success"),
    "4672": (["iam"], ["admin"], "logged-in-special", "success"),
    "4688": (["process"], ["start"], "created-process", "success"),
    "4689": (["process"], ["end"], "exited-process", "success"),
    "4720": (["iam"], ["user", "creation"], "added-user-account", "success"),
    "4726": (["iam"], ["user", "deletion"], "deleted-user-account", "success"),
    "4728": (["iam"], ["group", "change"], "added-member-to-group", "success"),
    "4732": (["iam"], ["group", "change"], "added-member-to-group", "success"),
    "4740": (["iam"], ["user", "change"], "locked-out-user-account", "success"),
    "4719": (["configuration"], ["change"], "changed-audit-config", "success"),
    "1102": (["configuration"], ["deletion"], "audit-log-cleared", "success"),
    "4776": (["authentication"], ["start"], "credential-validated", None),
}


def _user(event: Event, name: str | None, domain: str | None) -> None:
    if not name or name == "-":
        return
    if "\\" in name and not domain:
        domain, _, name = name.partition("\\")
    set_user(event, name)
    if domain and domain != "-":
        event["user"]["domain"] = domain


def _process(event: Event, exe: str | None, pid: str | None, cmd: str | None) -> dict[str, object]:
    proc: dict[str, object] = {}
    if exe:
        proc["executable"] = exe
        proc["name"] = basename(exe)
    p = to_int(pid)
    if p is not None:
        proc["pid"] = p
    if cmd:
        proc["command_line"] = cmd
    return proc


def lift(event: Event, channel: str, event_id: str, data: dict[str, str]) -> None:
    """Fill ECS fields from event data; set the categorisation for known events."""
    ev = event["event"]
    get = data.get
    if channel == _SYSMON:
        category, type_ = _CATEGORY_SYSMON.get(event_id, (["host"], ["info"]))
        ev["category"], ev["type"] = category, type_
        if "Image" in data:
            proc = _process(event, get("Image"), get("ProcessId"), get("CommandLine"))
            if get("ProcessGuid"):
                proc["entity_id"] = get("ProcessGuid")
            if "ParentImage" in data:
                proc["parent"] = _process(
                    event, get("ParentImage"), get("ParentProcessId"), get("ParentCommandLine")
                )
            event["process"] = proc
        elif "SourceImage" in data:  # process access (10)
            event["process"] = _process(event, get("SourceImage"), get("SourceProcessId"), None)
        _user(event, get("User"), None)
        if event_id == "3":
            set_source_addr(event, get("SourceIp"), get("SourcePort"))
            dst = get("DestinationIp")
            if dst:
                event["destination"] = {"ip": dst}
                add_related(event, "ip", dst)
                port = to_int(get("DestinationPort"))
                if port is not None:
                    event["destination"]["port"] = port
        elif "TargetFilename" in data:
            event["file"] = {"path": data["TargetFilename"]}
        elif "TargetObject" in data:
            event["registry"] = {"path": data["TargetObject"]}
        return
    known = _CATEGORY_SECURITY.get(event_id) if channel == "Security" else None
    if known is None:
        ev["category"], ev["type"] = ["host"], ["info"]
    else:
        ev["category"], ev["type"], action, outcome = known
        if action:
            ev["action"] = action
        if outcome:
            ev["outcome"] = outcome
    if event_id == "4688" and "NewProcessName" in data:
        proc = _process(event, get("NewProcessName"), get("NewProcessId"), get("CommandLine"))
        parent = _process(event, get("ParentProcessName"), get("ProcessId"), None)
        if parent:
            proc["parent"] = parent
        event["process"] = proc
    elif "ProcessName" in data and get("ProcessName") != "-":
        event["process"] = _process(event, get("ProcessName"), get("ProcessId"), None)
    target = get("TargetUserName")
    if target and target != "-" and event_id in ("4624", "4625", "4634", "4648", "4776"):
        _user(event, target, get("TargetDomainName"))
    else:
        _user(event, get("SubjectUserName"), get("SubjectDomainName"))
    if "IpAddress" in data:
        set_source_addr(event, get("IpAddress"), get("IpPort"))
    if event_id == "4776" and "Status" in data:
        ev["outcome"] = "success" if get("Status") == "0x0" else "failure"
