"""Syslog over TLS (RFC 5425): the TCP receiver behind a server TLS context.

With ``syslog_tls_client_ca`` set, every client must present a certificate that
CA signed; its subject is recorded in each record's ``extra``.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from secops.errors import CollectError


def server_context(cert: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    """A TLS 1.2+ server context; client certificates required when ``client_ca`` is given."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # No TLS 1.3 session tickets: a sender that closes without reading would leave them
    # unread, and its kernel would turn the close into a reset.
    ctx.options |= ssl.OP_NO_TICKET
    ctx.num_tickets = 0
    try:
        ctx.load_cert_chain(certfile=str(cert), keyfile=str(key))
    except (OSError, ssl.SSLError) as exc:
        raise CollectError(f"cannot load TLS certificate/key: {exc}", where=str(cert)) from exc
    if client_ca is not None:
        try:
            ctx.load_verify_locations(cafile=str(client_ca))
        except (OSError, ssl.SSLError) as exc:
            raise CollectError(f"cannot load client CA: {exc}", where=str(client_ca)) from exc
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
