"""`secops es start|stop|status`: the managed Elasticsearch node."""

from __future__ import annotations

import argparse
import json
import time

from secops.es.node import node_for
from secops.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    es = sub.add_parser("es", help="the managed Elasticsearch node")
    es_sub = es.add_subparsers(dest="es_command", required=True)
    es_sub.add_parser("start", help="download if needed, start, wait until ready").set_defaults(
        func=_start
    )
    es_sub.add_parser("stop", help="stop the node and its JVM").set_defaults(func=_stop)
    es_sub.add_parser(
        "status", help="is it running, where, which version, how to reach it as administrator"
    ).set_defaults(func=_status)


def _start(args: argparse.Namespace) -> int:
    node = node_for(get_settings())
    t0 = time.monotonic()
    info = node.start()
    admin = node.admin()
    print(f"Elasticsearch {info.version} ready at {info.url} ({time.monotonic() - t0:.1f}s)")
    print(f"administrator: elastic, password in {admin['password_file']}, CA {admin['ca_file']}")
    print(f"  {admin['curl']}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    stopped = node_for(get_settings()).stop()
    print("stopped" if stopped else "not running")
    return 0


def _status(args: argparse.Namespace) -> int:
    status = node_for(get_settings()).status()
    print(json.dumps(status, indent=2))
    return 0 if status.get("running") else 1
