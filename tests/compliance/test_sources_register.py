"""The sources control with a register: systems that never sent anything are named, each
system is held to its own tolerated silence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secops.accounting.counters import SourceAccounting, SourceCounts
from secops.accounting.service import save_sources
from secops.compliance.service import evaluate
from secops.context import Context, build_context
from secops.settings import Settings

REGISTER = """\
systems:
  - {name: dms, owner: IT, criticality: critical, input: http, host: dms,
     format: parliament.dms, max_silence_hours: 4}
  - {name: evoting, owner: Chamber, criticality: critical, input: syslog-tls,
     host: "evote-*", format: evoting, max_silence_hours: 1}
  - {name: vpn, owner: Network, criticality: high, input: syslog-tcp, host: vpn01,
     format: linux.sshd, max_silence_hours: 12}
"""


@pytest.fixture
def reg_ctx(settings: Settings, tmp_path: Path) -> Iterator[Context]:
    path = tmp_path / "sources.yml"
    path.write_text(REGISTER)
    context = build_context(settings.model_copy(update={"sources_register_file": path}))
    yield context
    context.close()


def test_never_connected_and_silent_systems_fail_the_sources_control(reg_ctx: Context) -> None:
    ctx = reg_ctx
    now = datetime.now(UTC).timestamp()
    accounting = SourceAccounting()
    heard = {
        ("http", "dms", "dms"): 60,  # within 4 hours
        ("syslog-tcp", "vpn01", "sshd"): 20 * 3600,  # beyond its 12 hours
        ("file", "laptop7", "notes.log"): 3600,  # unregistered, within the default 24 hours
    }
    for key, ago in heard.items():
        accounting.seed(key, SourceCounts(received=5, first_seen=now - 86_400, last_seen=now - ago))
    save_sources(ctx.es, ctx.names, accounting)
    ctx.es.indices.refresh(index=ctx.names.state)

    result = {r.control_id: r for r in evaluate(ctx).results}["SEC-LOG-01"]
    assert result.status == "fail"
    assert result.evidence["never_connected"] == ["evoting"]
    assert [s["source"] for s in result.evidence["silent"]] == ["vpn"]
    assert result.evidence["silent"][0]["max_silence_hours"] == 12
    assert "evoting" in result.summary
    assert "never sent" in result.summary
    assert result.evidence["registered_systems"] == 3
