"""Plain HTTPS calls to the managed node, for its start-up and status.

The node is still starting when these run, so they must stay quiet on failure
(the Elasticsearch client logs every refused connection). They always verify the
node against its CA.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def api_key_auth(encoded: str) -> str:
    return f"ApiKey {encoded}"


def request_json(
    url: str,
    *,
    ca_file: Path,
    authorization: str | None = None,
    method: str = "GET",
    body: dict[str, Any] | None = None,
    timeout: float = 5.0,
) -> dict[str, Any]:
    """One JSON request; raises ``urllib.error.HTTPError`` on a status >= 400."""
    headers = {"Accept": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    context = ssl.create_default_context(cafile=str(ca_file))
    with urllib.request.urlopen(request, timeout=timeout, context=context) as resp:  # noqa: S310
        return dict(json.loads(resp.read()))
