"""A real browser on the console: the app served by uvicorn in a thread, and Debian's
chromium driven by Playwright (its own browser download is not needed)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from polling import wait_until

from api.app import create_app
from secops.context import Context

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SECOPS_TEST_CHROMIUM", "/usr/bin/chromium")


def chromium_path() -> str:
    found = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        pytest.fail(f"chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    return found


@contextmanager
def serving(ctx: Context) -> Iterator[str]:
    """The app over ``ctx`` on a free local port; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(ctx.settings, context=ctx)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(
        lambda: server.started or not thread.is_alive(), timeout=30, what="the console to start"
    )
    if not server.started:
        pytest.fail("the console did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def screenshot_dir(tmp_path: Path) -> Path:
    """The test's own folder; the README's pictures go to docs/ when SECOPS_TEST_DOCS=1."""
    if os.environ.get("SECOPS_TEST_DOCS") == "1":
        target = REPO / "docs"
        target.mkdir(exist_ok=True)
        return target
    return tmp_path
