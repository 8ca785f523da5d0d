"""A guard that fails any attempt to reach a non-loopback address, for proving the assistant runs offline."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterator

LOCAL_NAMES = {"localhost", "localhost.localdomain", "", "0.0.0.0", "::"}


class NetworkAttempt(AssertionError):
    """Raised in place of a connection to anywhere but this machine."""


def is_local(host: object) -> bool:
    """Return True for loopback addresses, local names and unix sockets."""
    if not isinstance(host, str):
        return True  # unix socket paths come as str too; bytes/None are not IP targets
    if host in LOCAL_NAMES or host.startswith("/"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False  # a host name other than localhost would need DNS: not local
    return address.is_loopback or address.is_unspecified


@contextlib.contextmanager
def forbid_network(attempts: list[str] | None = None) -> Iterator[list[str]]:
    """Within the block, refuse (and record) connections, lookups and datagrams to non-local hosts."""
    seen: list[str] = attempts if attempts is not None else []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_sendto, real_getaddrinfo = socket.socket.sendto, socket.getaddrinfo

    def check(address: object) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if not is_local(host):
            seen.append(str(host))
            raise NetworkAttempt(f"network access attempted: {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: bytes, *args: object) -> int:
        check(args[-1])
        return real_sendto(self, data, *args)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        check(host.decode() if isinstance(host, bytes) else host)
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    try:
        yield seen
    finally:
        socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex  # type: ignore[method-assign]
        socket.socket.sendto = real_sendto  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo
