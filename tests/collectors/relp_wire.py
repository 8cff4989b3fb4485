"""A relay between a RELP sender and secops that notes what crossed the wire.

It forwards bytes unchanged both ways and parses them: the sender's ``syslog``
frames (by connection and transaction number) and secops' ``200 OK`` answers.
So a test can tell a line the sender never put on the wire (the sender's loss)
from one secops acknowledged (which must then be stored exactly once).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from collectors.relp_frames import RelpParser

MAX_FRAME = 1 << 20


class RelpWire:
    """Listens on ``port`` and relays each connection to ``target`` on 127.0.0.1."""

    def __init__(self, target: int) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self.sent: list[bytes] = []  # every syslog frame's data, resends included
        self.acked: list[bytes] = []  # the data of every frame secops answered 200 OK
        self._last = time.monotonic()  # when the sender last sent a frame
        threading.Thread(target=self._accept, daemon=True).start()

    def settled(self, stored: int, quiet: float = 10.0) -> bool:
        """True when ``stored`` covers every distinct line sent and none came for ``quiet`` s."""
        with self._lock:
            sent = len(set(self.sent))
            last = self._last
        return stored >= sent and time.monotonic() - last > quiet

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()  # secops is down: the sender sees a refused session
                continue
            upstream.settimeout(None)
            frames: dict[int, bytes] = {}  # this connection's syslog frames by txnr
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(src, dst, src is client, frames), daemon=True
                ).start()

    def _pump(
        self, src: socket.socket, dst: socket.socket, outbound: bool, frames: dict[int, bytes]
    ) -> None:
        parser = RelpParser(MAX_FRAME)
        try:
            while data := src.recv(65536):
                with self._lock:
                    for frame in parser.feed(data):
                        if outbound and frame.command == "syslog":
                            frames[frame.txnr] = frame.data
                            self.sent.append(frame.data)
                            self._last = time.monotonic()
                        elif (
                            not outbound
                            and frame.command == "rsp"
                            and frame.data.startswith(b"200")
                        ) and frame.txnr in frames:
                            self.acked.append(frames[frame.txnr])
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
