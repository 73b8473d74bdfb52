"""A loopback TCP proxy that can play a broker outage without touching the broker.

Point a client at ``proxy.port`` instead of the real service. ``pause()`` cuts every open
connection and stops listening, so new connections are refused exactly as if the service
were down; ``resume()`` listens again on the same port. Threads only; for tests.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from types import TracebackType


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.connections_accepted = 0
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._stop_accepting = threading.Event()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> TcpProxy:
        self._listen()
        return self

    def pause(self) -> None:
        """Refuse new connections and drop the open ones, as a stopped service would."""
        self._stop_listening()
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def resume(self) -> None:
        self._listen()

    def stop(self) -> None:
        self.pause()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The same port again after pause(): clients keep the URL they were given.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
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
            self._listener.close()
        self._listener = self._accepting = None

    def _accept_loop(self, listener: socket.socket) -> None:
        # A selector with a timeout, because close() does not wake a blocked accept().
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            while not self._stop_accepting.is_set():
                if not selector.select(timeout=0.05):
                    continue
                client, _ = listener.accept()
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    _close(client)
                    continue
                upstream.settimeout(None)
                pair = (client, upstream)
                with self._lock:
                    self._pairs.add(pair)
                    self.connections_accepted += 1
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(
                        target=self._pipe, args=(source, sink, pair), daemon=True
                    ).start()

    def _pipe(
        self, source: socket.socket, sink: socket.socket, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with self._lock:
                self._pairs.discard(pair)
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
