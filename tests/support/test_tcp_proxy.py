"""The tests' TCP proxy itself: outage tests prove nothing unless it really cuts, resets and
refuses, and really recovers on the same port."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from tests.support.tcp_proxy import Mode, TcpProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(data)


@pytest.fixture
def echo_server() -> Iterator[tuple[str, int]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield ("127.0.0.1", int(server.server_address[1]))
    server.shutdown()
    server.server_close()
    thread.join()


def _roundtrip(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        return sock.recv(1024)


def _connected(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"before")
    assert sock.recv(1024) == b"before"
    return sock


def _assert_cut(sock: socket.socket) -> None:
    """The connection is dead: a read sees a reset, or the end of the stream."""
    try:
        received = sock.recv(1024)
    except ConnectionResetError:
        received = b""
    assert received == b""
    sock.close()


def test_the_proxy_forwards_both_ways(echo_server: tuple[str, int]) -> None:
    with TcpProxy(echo_server) as proxy:
        assert _roundtrip(proxy.port, b"hello") == b"hello"
        assert proxy.url_host == f"127.0.0.1:{proxy.port}"
        assert proxy.accepted == 1


def test_a_reset_outage_cuts_open_connections_and_resets_new_ones_on_the_open_port(
    echo_server: tuple[str, int],
) -> None:
    with TcpProxy(echo_server) as proxy:
        open_conn = _connected(proxy.port)

        proxy.down(mode="reset")
        _assert_cut(open_conn)
        # The port still accepts, as a restarting server's does, then drops at once.
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            _roundtrip(proxy.port, b"during")
        assert (proxy.cut, proxy.reset_while_down) == (1, 1)

        proxy.up()
        assert _roundtrip(proxy.port, b"after") == b"after"
        assert proxy.accepted == 2


def test_a_refuse_outage_cuts_open_connections_and_refuses_new_ones_then_listens_again(
    echo_server: tuple[str, int],
) -> None:
    with TcpProxy(echo_server) as proxy:
        port = proxy.port
        open_conn = _connected(port)

        proxy.down(mode="refuse")
        _assert_cut(open_conn)
        # Nothing listens, as when the server is stopped.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        assert (proxy.cut, proxy.reset_while_down) == (1, 0)

        proxy.up()
        assert proxy.port == port
        assert _roundtrip(port, b"again") == b"again"
        assert proxy.accepted == 2


@pytest.mark.parametrize("mode", ["reset", "refuse"])
def test_outage_reports_when_the_target_went_down_and_came_back(
    echo_server: tuple[str, int], mode: Mode
) -> None:
    with TcpProxy(echo_server) as proxy:
        open_conn = _connected(proxy.port)
        down_at, up_at = proxy.outage(0.05, mode=mode)
        assert up_at - down_at >= 0.05
        _assert_cut(open_conn)
        assert _roundtrip(proxy.port, b"again") == b"again"


def test_stop_cuts_open_connections_and_closes_the_port(echo_server: tuple[str, int]) -> None:
    proxy = TcpProxy(echo_server).start()
    open_conn = _connected(proxy.port)
    proxy.stop()
    _assert_cut(open_conn)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
