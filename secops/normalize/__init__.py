"""normalize: raw record → one ECS event (nested dicts), never raising, never dropping.

``normalize(record)`` returns one event; ``normalize_many(records)`` does the same
for a batch and joins consecutive auditd records of one ``audit(time:serial)`` id
into one event. ``iter_json_objects(text)`` reads JSON objects written one after
another. The parser registry is closed: ``registry.PARSERS`` (names usable as
``RawRecord.format_hint``) and ``registry.PROGRAMS`` (syslog program → parser).

Every event has ``@timestamp`` (ISO-8601 UTC with milliseconds; from the log when
it has one, else the received time), ``message``, ``event.{kind,original,dataset,
category,type}``, ``secops.source.{input,host,address,application}`` and, when
known, ``host.name`` and ``event.outcome``. ``event.ingested`` is left to the store.
Every parser runs in time linear in its input (``adversarial.py`` holds the inputs
that check it). A field that cannot be read degrades alone, with a tag and the
reason in ``error.message``: ``timestamp_invalid`` (``@timestamp`` stays the
received time), ``event_data_invalid`` (Windows), ``fields_truncated`` (more than
``base.MAX_FIELDS`` fields in one tokeniser, or ECS keys nested too deep).
Syslog-framed input adds ``log.syslog.{priority,facility,severity,appname,procid,
msgid,structured_data,version}``, ``log.level``, ``process.name``/``pid`` (the
program) and ``secops.repeat_count`` for "message repeated N times".

Fields each parser fills (the module docstrings say more):

=====================  ===========================================================
dataset                fields
=====================  ===========================================================
linux.sshd             source.ip/port/domain, user.name, related.ip/user,
                       event.action (ssh_login, ssh_failed_login, ssh_invalid_user,
                       ssh_disconnect, ...), event.outcome, system.auth.ssh.*
linux.sudo             user.name, user.effective.name, system.auth.sudo.{command,
                       pwd,tty,user,error}, event.action (sudo_command, sudo_denied,
                       sudo_auth_failure)
linux.su               user.name, user.effective.name, event.action (su, su_failed)
linux.pam              user.name, source.ip/domain (rhost), source.user.name,
                       event.action (session_opened, session_closed,
                       authentication_failure, ...), system.auth.pam.*
linux.accounts         user.name/id, group.name/id, event.action (user_created, ...)
linux.auditd           auditd.log.record_types, auditd.log.<key>,
                       auditd.<type>.<key>, auditd.paths, process.*, user.id,
                       user.audit.id, user.name, source.ip, event.action/outcome
nginx.access,          source.ip, user.name, http.request.{method,referrer},
apache.access          http.version, http.response.{status_code,body.bytes},
                       url.{original,path,query}, user_agent.original,
                       destination.domain (vhost)
nginx.error,           log.level, process.pid/thread.id, source.ip, url.original,
apache.error           http.request.method
windows                winlog.{channel,event_id,provider_name,computer_name,
                       record_id,event_data.<Name>,...}, event.code, event.provider,
                       host.name, process.*, user.name/domain, source.*,
                       destination.*, file.path, registry.path
postgresql             user.name, source.ip, process.pid, postgresql.log.{database_name,
                       query,duration_ms,...}, pgaudit.*
cef                    cef.*, source.*, destination.*, user.name, event.action, ...
parliament.dms         user.name, user.roles, source.ip, event.action/outcome,
                       parliament.document.{id,classification,committee},
                       parliament.user.clearance (see PARLIAMENT_FORMATS.md)
parliament.portal      access-log fields, user.name/id, event.action,
                       parliament.{service,session_id,vote.ballot_id}
syslog                 header fields only (program without parser)
ecs                    the object's own ECS fields (pass-through)
unparsed               message, event.original, tags ["unparsed"], error.message
=====================  ===========================================================
"""

from secops.normalize.core import normalize, normalize_many, unparsed
from secops.normalize.jsonobjects import iter_json_objects

__all__ = ["iter_json_objects", "normalize", "normalize_many", "unparsed"]
