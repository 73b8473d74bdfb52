"""The fault suite's TCP proxy: it forwards, cuts open connections, resets new ones, recovers."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from tests.faults.tcp_proxy import TcpProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(data)


@pytest.fixture
def echo_server() -> Iterator[tuple[str, int]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ("127.0.0.1", server.server_address[1])
    server.shutdown()
    server.server_close()


def _roundtrip(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        return sock.recv(1024)


def test_the_proxy_forwards_both_ways(echo_server: tuple[str, int]) -> None:
    with TcpProxy(echo_server) as proxy:
        assert _roundtrip(proxy.port, b"hello") == b"hello"
        assert proxy.accepted == 1


def test_an_outage_cuts_open_connections_and_resets_new_ones_until_it_ends(
    echo_server: tuple[str, int],
) -> None:
    with TcpProxy(echo_server) as proxy:
        open_conn = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        open_conn.sendall(b"before")
        assert open_conn.recv(1024) == b"before"

        proxy.down()
        # The open connection is gone: a read sees a reset or the end of the stream.
        try:
            cut = open_conn.recv(1024)
        except ConnectionResetError:
            cut = b""
        assert cut == b""
        open_conn.close()
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            _roundtrip(proxy.port, b"during")
        assert proxy.cut == 1
        assert proxy.reset_while_down == 1

        proxy.up()
        assert _roundtrip(proxy.port, b"after") == b"after"


def test_outage_reports_when_the_target_went_down_and_came_back(
    echo_server: tuple[str, int],
) -> None:
    with TcpProxy(echo_server) as proxy:
        down_at, up_at = proxy.outage(0.05)
        assert up_at > down_at
        assert _roundtrip(proxy.port, b"again") == b"again"
