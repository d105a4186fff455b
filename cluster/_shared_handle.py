"""One socket bound by the primary and shared by workers (Node's ``shared_handle.js``).

Used for ``SCHED_NONE`` and for UDP: every worker gets the bound socket itself and
listens/accepts (or receives) on it directly.
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from typing import Any

from . import _real, _systemd


@dataclass(frozen=True)
class ServerSpec:
    """What a worker asked for: the key of a handle, and how to bind its socket."""

    family: int
    type: int
    address: Any
    v6only: bool
    reuseaddr: bool
    adopted: socket.socket | None = None  # bound by the worker itself

    @property
    def path(self) -> str | None:
        """The file of a Unix socket, to remove when it closes."""
        if self.family == socket.AF_UNIX and not str(self.address).startswith("\0"):
            return str(self.address)
        return None

    def bind(self) -> socket.socket:
        """A socket bound as asked (the primary's side of the worker's ``bind()``)."""
        if self.adopted is not None:
            return self.adopted
        inherited = _systemd.take_inherited(self.family, self.type, self.address)
        if inherited is not None:
            return inherited
        sock = _real.socket(self.family, self.type)
        try:
            if self.family != socket.AF_UNIX and (
                self.type == socket.SOCK_STREAM or self.reuseaddr
            ):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Node does
            if self.family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(self.v6only))
            address = tuple(self.address) if isinstance(self.address, list) else self.address
            sock.bind(address)
        except BaseException:
            sock.close()
            raise
        return sock


def close_server_socket(sock: socket.socket, path: str | None) -> None:
    """Close a server socket; a Unix socket's file goes with it, as Node's does. One
    that systemd passed stays open for the next worker, and its file stays."""
    if _systemd.keep_inherited(sock):
        return
    sock.close()
    if path:
        with contextlib.suppress(OSError):
            os.unlink(path)


class SharedHandle:
    """The socket every worker of this key receives."""

    policy = "shared"

    def __init__(self, spec: ServerSpec) -> None:
        self.sock = spec.bind()
        self.path = spec.path
        self.sockname = self.sock.getsockname()
        self.workers: set[Any] = set()

    def add(self, worker: Any) -> socket.socket:
        """Register ``worker``; the descriptor to hand it."""
        self.workers.add(worker)
        return self.sock

    def serves(self, worker: Any) -> bool:
        return worker in self.workers

    def start(self, worker: Any, backlog: int | None = None) -> None:
        """``worker`` listens: nothing to do, it accepts for itself."""

    def remove(self, worker: Any, retire: bool = False) -> bool:
        """Forget ``worker``; True when it was the last one (then :meth:`close` it)."""
        self.workers.discard(worker)
        return not self.workers

    def close(self) -> None:
        close_server_socket(self.sock, self.path)
