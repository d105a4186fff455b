"""One ``SO_REUSEPORT`` socket per worker: the kernel balances (``SCHED_REUSEPORT``).

The primary binds a socket of the port's reuse group for each worker and hands it
over; the worker listens and accepts on it itself, as under ``SCHED_NONE`` (its policy
on the wire is ``"shared"``). The kernel spreads new connections over the group by a
hash of the 4-tuple, so the primary spends nothing per connection.

The primary keeps its copy of each socket. Its queue would be reset when the last
descriptor of a listening socket closes (unless ``net.ipv4.tcp_migrate_req=1``), so
when a worker lets go of its socket (it closed it, parked it to disconnect, or died)
the primary, holding the last copy, accepts what is queued there and then closes it.
Those connections go to the other workers through the group itself: the primary
connects to the port (the socket it drained is closed by then, so the kernel picks
one of the others) and relays bytes both ways on a thread. That costs a copy per
byte, but only for the few connections caught in a queue when a worker leaves; the
worker sees the primary as their peer. With no other worker to give them to and the
servers kept open (a supervisor's restart), the socket is not drained: it waits, with
its queue, for the next worker.

Between the drain's last ``accept()`` and the ``close()``, a connection could still
complete its handshake on the leaving socket and be reset by the close. So before
draining, the primary attaches a socket filter that drops new SYNs on that socket: a
client whose SYN the kernel's hash sends there meanwhile retries it (after a second,
TCP's first retransmission), by which time the socket is gone and the hash picks one
of the others. Handshakes already under way complete (their ACKs pass the filter) and
are drained with the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import socket
import struct
from typing import Any

from . import _real
from ._shared_handle import ServerSpec

log = logging.getLogger("cluster")

RELAY_CHUNK = 65536
DRAIN_LIMIT = 4096  # connections taken from one queue; the backlog never holds more
_SO_ATTACH_FILTER = getattr(socket, "SO_ATTACH_FILTER", 26)

# A classic BPF socket filter, run on each segment for the socket with the TCP header
# at offset 0: drop a segment with SYN set and ACK clear (a new handshake), pass the rest.
_DROP_NEW_SYNS = (
    (0x30, 0, 0, 13),  # ldb [13]: the TCP flags
    (0x45, 2, 0, 0x10),  # jset ACK: pass
    (0x45, 0, 1, 0x02),  # jset SYN: drop
    (0x06, 0, 0, 0),  # ret 0: drop
    (0x06, 0, 0, 0xFFFFFFFF),  # ret all: pass
)
_DROP_NEW_SYNS_CODE = b"".join(struct.pack("HBBI", *op) for op in _DROP_NEW_SYNS)


def _refuse_new_handshakes(sock: socket.socket) -> None:
    """Attach :data:`_DROP_NEW_SYNS` to ``sock`` (the kernel copies the program)."""
    program = ctypes.create_string_buffer(_DROP_NEW_SYNS_CODE)
    fprog = struct.pack("HL", len(_DROP_NEW_SYNS), ctypes.addressof(program))
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)
    except OSError as exc:  # the drain goes on: only the close's instant is exposed
        log.warning("cluster: could not filter a leaving worker's socket: %s", exc)


class ReusePortHandle:
    """The sockets of one address's ``SO_REUSEPORT`` group, one per worker."""

    policy = "shared"  # the worker listens and accepts on its own socket

    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        first = self._bind(spec.address)
        self.sockname = first.getsockname()
        self.workers: dict[Any, socket.socket] = {}
        self.spares: list[socket.socket] = [first]  # bound, waiting for a worker
        self.leaving: dict[Any, socket.socket] = {}  # asked to disconnect, still holding it

    def _bind(self, address: Any) -> socket.socket:
        sock = _real.socket(self.spec.family, self.spec.type)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if self.spec.family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(self.spec.v6only))
            sock.bind(tuple(address) if isinstance(address, list) else address)
        except BaseException:
            sock.close()
            raise
        return sock

    # -- workers come and go ----------------------------------------------------------

    def add(self, worker: Any) -> socket.socket:
        """``worker``'s own socket of the group (a spare, or a new one bound to the
        group's port); the descriptor to hand it."""
        sock = self.workers.get(worker)
        if sock is None:
            sock = self.spares.pop() if self.spares else self._bind(self.sockname)
            self.workers[worker] = sock
        return sock

    def serves(self, worker: Any) -> bool:
        return worker in self.workers or worker in self.leaving

    def start(self, worker: Any, backlog: int | None = None) -> None:
        """``worker`` listens on its socket itself: nothing to do here."""

    def remove(self, worker: Any, retire: bool = False) -> bool:
        """``worker`` no longer takes connections; True when no worker is left (then
        :meth:`close` the handle, or keep it open for workers to come).

        ``retire``: the worker has been asked to disconnect and still holds its
        socket (it may be accepting); its queue is drained once it lets go (its
        ``close`` message, or its end)."""
        sock = self.workers.pop(worker, None)
        if retire:
            if sock is not None:
                self.leaving[worker] = sock
        else:
            sock = self.leaving.pop(worker, sock)
            if sock is not None:
                self._let_go(sock)
        return not self.workers

    def _let_go(self, sock: socket.socket) -> None:
        """Nobody accepts on ``sock`` any more: hand its queue to the others."""
        if not self.workers:
            self.spares.append(sock)  # its queue waits for the next worker
            return
        self._drain(sock)

    def _drain(self, sock: socket.socket) -> None:
        """Take every connection queued on ``sock``, close it (so the kernel sends new
        ones to the rest of the group), then relay those connections to the group."""
        sock.setblocking(False)  # only the primary holds it now
        _refuse_new_handshakes(sock)
        queued: list[socket.socket] = []
        try:
            while len(queued) < DRAIN_LIMIT:
                try:
                    conn, _peer = sock.accept()
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:  # not listening (the worker never did), or a reset
                    break
                queued.append(conn)
        finally:
            sock.close()
        if queued:
            log.info("cluster: %d queued connection(s) of a leaving worker relayed", len(queued))
        for conn in queued:
            _real.start_thread(functools.partial(self._relay, conn), "cluster-relay", daemon=True)

    def _relay(self, conn: socket.socket) -> None:
        """Carry ``conn`` to another worker of the group, bytes both ways."""
        host, port, *rest = self.sockname
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1" if self.spec.family == socket.AF_INET else "::1"
        try:
            conn.setblocking(True)
            upstream = socket.create_connection((host, port))
        except OSError as exc:
            log.warning("cluster: could not relay a queued connection: %s", exc)
            conn.close()
            return
        with conn, upstream:
            _pump(conn, upstream)

    def close(self) -> None:
        for sock in [*self.workers.values(), *self.leaving.values(), *self.spares]:
            sock.close()
        self.workers.clear()
        self.leaving.clear()
        self.spares.clear()


def _pump(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes between ``a`` and ``b`` until both directions have ended, passing
    each end-of-file on as a half-close."""
    peer = {a: b, b: a}
    open_ends = [a, b]
    while open_ends:
        try:
            readable, _, _ = _real.select(open_ends, [], [])
        except OSError:
            return
        for source in readable:
            try:
                data = source.recv(RELAY_CHUNK)
                if data:
                    peer[source].sendall(data)
                    continue
            except OSError:
                return  # a reset on either side ends both
            open_ends.remove(source)
            with contextlib.suppress(OSError):
                peer[source].shutdown(socket.SHUT_WR)
