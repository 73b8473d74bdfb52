"""The test proxy itself: it must really refuse while paused, or outage tests prove nothing."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from tests.support.tcp_proxy import TcpProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()
    thread.join()


def echo(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        return sock.recv(1024)


def test_a_paused_proxy_refuses_and_cuts_connections_then_resumes_on_the_same_port(
    echo_port: int,
) -> None:
    with TcpProxy("127.0.0.1", echo_port) as proxy:
        port = proxy.port
        assert echo(port, b"hello") == b"hello"
        open_connection = socket.create_connection(("127.0.0.1", port), timeout=5)

        proxy.pause()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        # The open connection was cut: closed (EOF) or reset, depending on timing.
        try:
            received = open_connection.recv(1024)
        except ConnectionResetError:
            received = b""
        assert received == b""
        open_connection.close()

        proxy.resume()
        assert proxy.port == port
        assert echo(port, b"again") == b"again"
        assert proxy.connections_accepted == 3
