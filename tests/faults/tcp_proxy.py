"""A loopback TCP proxy that can simulate a database server going away and coming back.

Put it between a client (gunicorn) and PostgreSQL and call ``outage()``: every open
connection is cut at once (as when the server stops), and every new one is reset as soon as
it arrives, until the outage ends. Clients see what they see while PostgreSQL restarts,
"server closed the connection unexpectedly", without anyone touching the shared server.
New connections are reset rather than refused by closing the listener, so no other process
can take the port while it is down.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from types import TracebackType
from typing import Self

CHUNK = 65536


def _reset(sock: socket.socket) -> None:
    """Close with a TCP RST (linger 0), as a crashed or restarting server's kernel would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``outage()`` cuts and refuses connections."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._down = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self.accepted = 0
        self.cut = 0  # connections open when an outage began
        self.reset_while_down = 0

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed by stop()
            if self._down.is_set():
                self.reset_while_down += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            self.accepted += 1
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, upstream = pair
        other = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([client, upstream], [], [], 0.2)
                for sock in readable:
                    data = sock.recv(CHUNK)
                    if not data:
                        return
                    other[sock].sendall(data)
        except (OSError, ValueError):
            return  # cut by an outage, or the other side went away
        finally:
            with self._lock:
                self._pairs.discard(pair)
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()

    def down(self) -> None:
        """Cut every open connection and reset new ones until ``up()``."""
        self._down.set()
        with self._lock:
            pairs = list(self._pairs)
            self._pairs.clear()
        self.cut += len(pairs)
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)  # PostgreSQL sees the client vanish and rolls its work back

    def up(self) -> None:
        self._down.clear()

    def outage(self, seconds: float) -> tuple[float, float]:
        """The target unreachable for ``seconds``; returns when it went down and came back
        up, as ``time.monotonic()`` readings."""
        began = time.monotonic()
        self.down()
        try:
            time.sleep(seconds)
        finally:
            self.up()
        return began, time.monotonic()

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)
        self.down()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
