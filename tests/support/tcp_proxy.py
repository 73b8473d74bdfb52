"""A loopback TCP proxy that plays a server going away and coming back, without touching it.

Point a client at ``proxy.port`` instead of the real service (PostgreSQL, RabbitMQ) and call
``down()`` / ``up()``, or ``outage(seconds)``. Going down cuts every open connection at
once, with a TCP reset to both ends, so the client sees its connection die and the server
sees the client vanish (PostgreSQL rolls back, RabbitMQ requeues unacknowledged messages).
Until ``up()``, new connections meet one of two servers:

- ``mode="reset"``, a server restarting: the port stays open and each new connection is
  reset as it arrives ("server closed the connection unexpectedly"). No other process can
  take the port meanwhile.
- ``mode="refuse"``, a server stopped: the proxy stops listening, so new connections are
  refused; ``up()`` listens again on the same port, and clients keep the URL they were given.

Threads only; for tests.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from types import TracebackType
from typing import Literal, Self

Mode = Literal["reset", "refuse"]
CHUNK = 65536
Pair = tuple[socket.socket, socket.socket]


def _reset(sock: socket.socket) -> None:
    """Close with a TCP RST (linger 0) rather than a FIN: the connection dies, not ends."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target``; ``down()`` cuts, ``up()`` restores."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0  # chosen when it first listens, then kept
        self.accepted = 0  # connections forwarded to the target
        self.cut = 0  # connections open when the proxy went down
        self.reset_while_down = 0  # new connections reset during a mode="reset" outage
        self._lock = threading.Lock()
        self._pairs: set[Pair] = set()
        self._down = False
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._stop_accepting = threading.Event()

    @property
    def url_host(self) -> str:
        """``host:port`` to put in a client's URL in place of the target's."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._listen()
        return self

    def stop(self) -> None:
        self._stop_listening()
        self._cut_all()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def down(self, mode: Mode = "reset") -> None:
        """Cut every open connection; until ``up()``, reset or refuse new ones (``mode``)."""
        with self._lock:
            self._down = True
        if mode == "refuse":
            self._stop_listening()
        self.cut += self._cut_all()

    def up(self) -> None:
        """Forward new connections again, on the same port."""
        if self._listener is None:
            self._listen()
        with self._lock:
            self._down = False

    def outage(self, seconds: float, mode: Mode = "reset") -> tuple[float, float]:
        """The target unreachable for ``seconds``; returns when it went down and came back
        up, as ``time.monotonic()`` readings."""
        began = time.monotonic()
        self.down(mode)
        try:
            time.sleep(seconds)
        finally:
            self.up()
        return began, time.monotonic()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Binding the same port again while its old connections sit in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = int(listener.getsockname()[1])
        self._listener = listener
        self._stop_accepting.clear()
        self._accepting = threading.Thread(
            target=self._accept_loop, args=(listener,), name="tcp-proxy-accept", daemon=True
        )
        self._accepting.start()

    def _stop_listening(self) -> None:
        self._stop_accepting.set()
        if self._accepting is not None:
            self._accepting.join(timeout=5)
        if self._listener is not None:
            self._listener.close()  # the kernel now refuses connections to the port
        self._listener = self._accepting = None

    def _cut_all(self) -> int:
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)
        return len(pairs)

    def _accept_loop(self, listener: socket.socket) -> None:
        # select() with a timeout, because close() does not wake a thread blocked in accept().
        while not self._stop_accepting.is_set():
            readable, _, _ = select.select([listener], [], [], 0.05)
            if not readable:
                continue
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            with self._lock:
                down = self._down
            if down:
                self.reset_while_down += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            pair = (client, upstream)
            with self._lock:
                # Went down while this one was connecting: it must not outlive the cut.
                if self._down:
                    down = True
                else:
                    self._pairs.add(pair)
                    self.accepted += 1
            if down:
                _reset(client)
                _reset(upstream)
                continue
            threading.Thread(
                target=self._pump, args=(pair,), name="tcp-proxy-pump", daemon=True
            ).start()

    def _pump(self, pair: Pair) -> None:
        client, upstream = pair
        other = {client: upstream, upstream: client}
        try:
            while True:
                # A timeout, so a pair cut by down() (its sockets closed) is noticed.
                readable, _, _ = select.select([client, upstream], [], [], 0.2)
                for sock in readable:
                    data = sock.recv(CHUNK)
                    if not data:
                        return
                    other[sock].sendall(data)
        except (OSError, ValueError):
            return  # cut by down(), or one side went away
        finally:
            with self._lock:
                self._pairs.discard(pair)
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()
