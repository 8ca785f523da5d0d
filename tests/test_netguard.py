"""The guard itself must catch what it claims to, or the offline test proves nothing."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from tests.netguard import NetworkAttempt, forbid_network, is_local


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("10.0.0.1", False), ("8.8.8.8", False),
     ("huggingface.co", False), ("127.5.5.5", True)],
)
def test_is_local(host: str, expected: bool) -> None:
    assert is_local(host) is expected


def test_remote_connection_is_refused_and_recorded() -> None:
    with forbid_network() as attempts:
        with pytest.raises(NetworkAttempt):
            urllib.request.urlopen("http://example.com/", timeout=1)
    assert attempts == ["example.com"]


def test_loopback_connection_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with forbid_network() as attempts:
        client = socket.create_connection(server.getsockname(), timeout=2)
        client.close()
    server.close()
    assert attempts == []
