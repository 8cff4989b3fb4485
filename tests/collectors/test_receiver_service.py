"""The receiver service: every configured receiver on one loop, started and stopped as one."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from collector_sinks import MemorySink

from collectors.service import ReceiverService
from collectors.syslog_tcp import StreamReceiver
from collectors.syslog_udp import UdpReceiver
from collectors.tail import Tailer
from secops.errors import CollectError
from secops.settings import Settings


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(
        dev_mode=True,
        state_dir=tmp_path / "state",
        syslog_udp_port=0,
        syslog_tcp_port=0,
        tail_globs=[str(tmp_path / "logs" / "*.log")],
        tail_poll_interval=0.05,
        **overrides,  # type: ignore[arg-type]
    )


def test_all_receivers_feed_the_sink_and_stop_with_a_peer_still_connected(
    tmp_path: Path,
) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app.log").write_text("from a file\n")
    sink = MemorySink()
    service = ReceiverService(settings_for(tmp_path), sink)
    service.start()
    try:
        kinds = [type(r) for r in service.receivers]
        assert kinds == [UdpReceiver, StreamReceiver, Tailer]  # no TLS without a certificate
        udp, tcp = service.receivers[0], service.receivers[1]
        assert isinstance(udp, UdpReceiver)
        assert isinstance(tcp, StreamReceiver)
        peer = socket.create_connection(("127.0.0.1", tcp.bound_port))
        peer.sendall(b"<13>over tcp\n")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"<13>over udp", ("127.0.0.1", udp.bound_port))
        records = sink.wait_for(3)
    finally:
        service.stop()  # must not wait for the open TCP peer
    peer.close()
    by_input = {r.source.input: r.message for r in records}
    assert by_input == {
        "syslog-tcp": "<13>over tcp",
        "syslog-udp": "<13>over udp",
        "file": "from a file",
    }
    assert sum(c.received for c in service.stats.snapshot().values()) == 3


def test_tls_needs_both_certificate_and_key(tmp_path: Path) -> None:
    service = ReceiverService(
        settings_for(tmp_path, syslog_tls_cert=tmp_path / "c.pem"), MemorySink()
    )
    with pytest.raises(CollectError, match="both"):
        service.start()


def test_relp_listens_on_its_ports_when_they_are_set(pki: dict[str, Path], tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        relp_port=0,
        relp_tls_port=0,
        syslog_tls_port=0,
        syslog_tls_cert=pki["server_cert"],
        syslog_tls_key=pki["server_key"],
    )
    service = ReceiverService(settings, MemorySink())
    service.start()
    try:
        inputs = [getattr(r, "input", type(r).__name__) for r in service.receivers]
    finally:
        service.stop()
    assert inputs == ["syslog-udp", "syslog-tcp", "relp", "syslog-tls", "relp-tls", "Tailer"]


def test_relp_over_tls_needs_the_tls_certificate(tmp_path: Path) -> None:
    service = ReceiverService(settings_for(tmp_path, relp_tls_port=0), MemorySink())
    with pytest.raises(CollectError, match="RELP over TLS"):
        service.start()
