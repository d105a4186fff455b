"""systemd's two protocols, with the standard library: socket activation and sd_notify.

- **Socket activation** (``LISTEN_FDS``, ``LISTEN_PID``, ``LISTEN_FDNAMES``): systemd
  (or ``systemd-socket-activate``) binds the listening sockets and starts the primary
  with them as descriptors 3, 4, ... When a worker asks for an address that one of
  them is bound to, the primary serves it on that socket instead of binding its own
  (:func:`take_inherited`), so that connections queued before the service started, or
  while it restarts, are all served. The socket is systemd's: it is never closed for
  good nor its Unix file removed (:func:`keep_inherited`).
- **sd_notify** (``NOTIFY_SOCKET``): one datagram per state change. The supervisor's
  :class:`Notifier` says ``READY=1`` once its first workers are ready (so that
  ``Type=notify`` units and what depends on them start only when requests are
  served), ``STATUS=``, ``RELOADING=1`` and ``READY=1`` around a reload,
  ``STOPPING=1``, and ``WATCHDOG=1`` every half ``WATCHDOG_USEC`` from the cluster's
  event thread (a primary whose event thread hangs is restarted by systemd).

Both take their variables out of the environment, so that workers neither notify nor
look for descriptors of their own.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
import time
from typing import TYPE_CHECKING, Any

from . import _real
from ._loop import Timer, loop

if TYPE_CHECKING:
    from .supervisor import Supervisor

log = logging.getLogger("cluster")

LISTEN_FDS_START = 3  # SD_LISTEN_FDS_START
_ACTIVATION = ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")
_NOTIFY = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")

_inherited: list[tuple[socket.socket, str]] | None = None  # (socket, name), not in use
_in_use: set[socket.socket] = set()


# -- socket activation ----------------------------------------------------------------------


def inherited_sockets() -> list[tuple[socket.socket, str]]:
    """The listening sockets systemd passed to this process and not yet in use (read
    once, the first time, from ``LISTEN_*``, which are then unset)."""
    global _inherited
    if _inherited is None:
        _inherited = _read_listen_fds(dict(os.environ))
        for name in _ACTIVATION:
            os.environ.pop(name, None)
    return _inherited


def _read_listen_fds(env: dict[str, str]) -> list[tuple[socket.socket, str]]:
    if env.get("LISTEN_PID") != str(os.getpid()) or not env.get("LISTEN_FDS", "").isdigit():
        return []
    count = int(env["LISTEN_FDS"])
    names = env.get("LISTEN_FDNAMES", "").split(":")
    found: list[tuple[socket.socket, str]] = []
    for index, fd in enumerate(range(LISTEN_FDS_START, LISTEN_FDS_START + count)):
        os.set_inheritable(fd, False)  # the primary's: workers get it only if handed
        sock = _real.socket(fileno=fd)
        found.append((sock, names[index] if index < len(names) and names[index] else str(fd)))
    return found


def take_inherited(family: int, kind: int, address: Any) -> socket.socket | None:
    """The inherited socket bound to ``address`` (as a worker asked for it), if any."""
    for entry in inherited_sockets():
        sock, name = entry
        if sock.family == family and sock.type == kind and _bound_to(sock, address):
            _inherited_pool().remove(entry)
            _in_use.add(sock)
            log.info("cluster: serving %s on the socket systemd passed (%s)", address, name)
            return sock
    return None


def keep_inherited(sock: socket.socket) -> bool:
    """A server closes: if its socket is systemd's, keep it (open, its file left) for
    the next worker that asks for that address; True if it was."""
    if sock not in _in_use:
        return False
    _in_use.discard(sock)
    _inherited_pool().append((sock, str(sock.fileno())))
    return True


def _inherited_pool() -> list[tuple[socket.socket, str]]:
    assert _inherited is not None
    return _inherited


def _bound_to(sock: socket.socket, address: Any) -> bool:
    name = sock.getsockname()
    if sock.family == socket.AF_UNIX:
        return isinstance(address, str) and os.fsdecode(name) == address
    if not isinstance(address, (list, tuple)) or len(address) < 2 or not address[1]:
        return False
    return bool(name[1] == address[1] and _same_host(str(name[0]), str(address[0])))


def _same_host(bound: str, asked: str) -> bool:
    try:
        return ipaddress.ip_address(bound) == ipaddress.ip_address(asked)
    except ValueError:  # a name: the addresses it resolves to
        with contextlib.suppress(OSError):
            return any(info[4][0] == bound for info in socket.getaddrinfo(asked, None))
        return False


# -- sd_notify ----------------------------------------------------------------------------------


def _notify_address(value: str) -> str | None:
    if value.startswith("@"):
        return "\0" + value[1:]  # an abstract socket
    return value if value.startswith("/") else None


class Notifier:
    """Tells systemd what the supervisor is doing (``Type=notify`` units)."""

    def __init__(self, supervisor: Supervisor, address: str, watchdog_s: float | None) -> None:
        self._supervisor = supervisor
        self._address = address
        self._sock = _real.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self._ready_said = False
        self._watchdog: Timer | None = None
        supervisor.on("ready", lambda worker: self._on_ready())
        supervisor.on("exit", lambda *_: self._status())
        supervisor.on("scale", lambda *_: self._status())
        supervisor.on("reloadStart", self._on_reload_start)
        supervisor.on("reloadEnd", lambda completed: self._send("READY=1", self._status_line()))
        supervisor.on("stopping", lambda: self._send("STOPPING=1", "STATUS=stopping"))
        supervisor.on("stop", lambda status: self._close())
        if watchdog_s:
            self._watchdog_every(watchdog_s / 2)

    @classmethod
    def from_environment(cls, supervisor: Supervisor) -> Notifier | None:
        """A notifier if systemd asked for one (``NOTIFY_SOCKET``); the variables are
        taken out of the environment, so the workers do not inherit them."""
        env = {name: os.environ.pop(name) for name in _NOTIFY if name in os.environ}
        address = _notify_address(env.get("NOTIFY_SOCKET", ""))
        if address is None:
            return None
        watchdog = None
        usec = env.get("WATCHDOG_USEC", "")
        if usec.isdigit() and int(usec) > 0 and env.get("WATCHDOG_PID", str(os.getpid())) == str(
            os.getpid()
        ):
            watchdog = int(usec) / 1_000_000
        return cls(supervisor, address, watchdog)

    def _on_ready(self) -> None:
        if not self._ready_said and self._supervisor.phase == "running":
            self._ready_said = True
            self._send("READY=1", self._status_line())
        else:
            self._status()

    def _on_reload_start(self) -> None:
        monotonic_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        self._send("RELOADING=1", f"MONOTONIC_USEC={monotonic_usec}", "STATUS=reloading")

    def _status(self) -> None:
        if self._ready_said:
            self._send(self._status_line())

    def _status_line(self) -> str:
        workers = self._supervisor.describe()["workers"].values()
        ready = sum(1 for info in workers if info["ready"] and not info["leaving"])
        return f"STATUS={ready} of {self._supervisor.wanted} workers ready"

    def _watchdog_every(self, interval: float) -> None:
        self._send("WATCHDOG=1")
        self._watchdog = loop.call_later(interval, lambda: self._watchdog_every(interval))

    def _send(self, *fields: str) -> None:
        try:
            self._sock.sendto("\n".join(fields).encode(), self._address)
        except OSError as exc:  # systemd gone, or not listening: never the primary's end
            log.warning("cluster: sd_notify to %r failed: %s", self._address, exc)

    def _close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._sock.close()
