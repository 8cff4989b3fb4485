"""kill -9 of the pipeline process in the middle of an ingest loses nothing acknowledged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from elasticsearch import Elasticsearch
from es_node import NodeAccess

from pipeline.delivery_check import assert_exactly_once, stored_line_numbers
from secops.settings import Settings
from secops.store import IndexNames

HELPER = Path(__file__).with_name("crash_helper.py")
REPO = Path(__file__).resolve().parents[2]
LINES = 120_000


def helper(mode: str, settings: Settings, es_url: str, *extra: str) -> list[str]:
    return [
        sys.executable, str(HELPER), mode,
        "--state-dir", str(settings.state_dir), "--es-url", es_url,
        "--namespace", settings.namespace, *extra,
    ]  # fmt: skip


def stored(es: Elasticsearch, names: IndexNames) -> int:
    return int(es.count(index=names.events_pattern, allow_no_indices=True)["count"])


def test_kill_9_then_restart_keeps_every_acknowledged_line_once(
    settings: Settings, es_url: str, es: Elasticsearch, es_node: NodeAccess
) -> None:
    env = es_node.process_env()  # the helper's settings take the node's credentials from it
    feed = subprocess.Popen(
        helper("feed", settings, es_url, "--lines", str(LINES), "--batch", "50"),
        stdout=subprocess.PIPE, text=True, cwd=REPO, env=env,
    )  # fmt: skip
    names = IndexNames(settings.namespace)
    acked = 0
    assert feed.stdout is not None
    for out in feed.stdout:
        if out.startswith("acked "):
            acked = int(out.split()[1])
            # half fed, and the worker in the middle of delivering
            if (
                acked >= LINES // 2
                and es.count(index=names.events_pattern, allow_no_indices=True)["count"]
            ):
                break
    feed.kill()  # SIGKILL: no clean-up of any kind
    feed.wait()
    feed.stdout.close()
    assert LINES // 2 <= acked < LINES

    es.indices.refresh(index=names.events_pattern)
    before = es.count(index=names.events_pattern)["count"]
    assert 0 < before < LINES  # it was killed in the middle

    drain = subprocess.run(
        helper("drain", settings, es_url),
        capture_output=True, text=True, cwd=REPO, timeout=300, env=env,
    )  # fmt: skip
    assert drain.returncode == 0, drain.stderr[-2000:]
    assert_exactly_once(stored_line_numbers(es, names.events_pattern), acked=acked, fed=LINES)
