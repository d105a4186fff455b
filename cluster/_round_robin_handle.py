"""The primary accepts, and hands connections out in turn (Node's ``round_robin_handle.js``).

Each worker's server gets a *route*: a ``SOCK_SEQPACKET`` pair whose worker end sits
under the worker's server descriptor. A connection travels as one datagram carrying
its descriptor (and the peer's address), with no reply: Node waits for the worker's
acknowledgement before giving it another connection; here the kernel's queue on the
route tells whether the worker has taken what it was given (``SIOCOUTQ``), and a
worker that has not is skipped while another is free.

The primary keeps its own copy of each worker end, so connections a worker never
took (it closed its server, disconnected or died) are taken back and given to another.
"""

from __future__ import annotations

import _socket
import array
import errno
import fcntl
import functools
import json
import logging
import os
import socket
import struct
import termios
import time
from collections import deque
from selectors import EVENT_READ
from typing import Any

from . import _real, _schedulers
from ._loop import Timer, loop
from ._shared_handle import ServerSpec, close_server_socket

log = logging.getLogger("cluster")

ACCEPTS_PER_WAKEUP = 64
MAX_PENDING = 4096  # connections accepted with no worker to take them; then stop accepting
RETRY_DELAY = 0.005  # every route full: try again shortly
STALL_AFTER = 0.5  # a worker that takes no connection this long is not keeping up
STALL_BACKOFF = 5.0  # then it gets new connections only when no other worker can
FD_LIMIT_PAUSE = 0.1  # out of descriptors: stop accepting this long (the backlog waits)
DEFER_ACCEPT = 1  # seconds the kernel may hold a connection for a peeking handle (below)
_ANC_SIZE = socket.CMSG_SPACE(array.array("i").itemsize)
_FD = struct.Struct("i")
_TIOCOUTQ = termios.TIOCOUTQ
_SOL_SOCKET = int(socket.SOL_SOCKET)
_SCM_RIGHTS = int(socket.SCM_RIGHTS)
# Plain ints: the socket module's constants are enums, and each ``|`` of two is a call.
_AF_INET, _SOCK_STREAM = int(socket.AF_INET), int(socket.SOCK_STREAM)
_PEEK_FLAGS = int(socket.MSG_PEEK | socket.MSG_DONTWAIT)
_RESOURCE_ERRORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


def _peer_bytes(peer: Any) -> bytes:
    """The peer's address as JSON, written out by hand for the usual IP tuples."""
    if type(peer) is tuple and len(peer) == 2:
        return ('["%s",%d]' % peer).encode()  # noqa: UP031 - the fastest way
    return json.dumps(peer).encode()


class Route:
    """The path from this handle to one worker's server.

    It also keeps the books that tell a worker that is not keeping up: how many
    connections were sent, how many the worker has taken (the kernel's count of bytes
    still queued, divided by what one queued connection costs), and since when it
    has taken none.
    """

    def __init__(self, worker_id: int = 0) -> None:
        self.worker_id = worker_id
        self.hash_salt = b"/%d" % worker_id  # what rendezvous hashing adds to a key
        self.view = _schedulers.WorkerView(self)
        self.closed = 0  # connections the worker reported closed, or that were taken back
        self.primary_end, self.worker_end = _real.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.primary_end.setblocking(False)
        self._fd = self.primary_end.fileno()
        self._sendmsg = self.primary_end.sendmsg
        self._outq = array.array("i", [0])
        self.listening = False
        self.sent = 0
        self.taken = 0
        self.unit = 0  # queued bytes per connection, learned on the first send
        self.waiting_since = time.monotonic()
        self.skip_until = 0.0
        # Since when the worker has taken none of what it was given, across take-backs
        # (None while it keeps up): what a supervisor asks to tell a stuck worker.
        self.stuck_since: float | None = None

    def queued_bytes(self) -> int:
        fcntl.ioctl(self._fd, _TIOCOUTQ, self._outq, True)  # into a buffer: no bytes to unpack
        return self._outq[0]

    def idle(self) -> bool:
        """True when the worker has taken every connection sent to it."""
        return self.queued_bytes() == 0

    def send(self, fd: int, peer: bytes, was_idle: bool) -> None:
        """Hand one connection over; raises BlockingIOError when the route is full."""
        self._sendmsg([peer], [(_SOL_SOCKET, _SCM_RIGHTS, _FD.pack(fd))])
        self.sent += 1
        if was_idle or self.sent - 1 == self.taken:  # nothing was waiting here
            self.taken = self.sent - 1
            self.waiting_since = time.monotonic()
            if not self.unit:
                self.unit = self.queued_bytes()

    def stalled(self, now: float) -> bool:
        """True when connections wait here and the worker has taken none for a while."""
        queued = self.queued_bytes()
        if not queued:
            if self.taken != self.sent:  # the worker took what was sent since last time
                self.taken, self.stuck_since = self.sent, None
            return False
        taken = self.sent - (round(queued / self.unit) if self.unit else self.sent)
        if taken > self.taken:
            self.taken, self.waiting_since, self.stuck_since = taken, now, None
        return now - self.waiting_since >= STALL_AFTER

    def not_taking_since(self, now: float) -> float | None:
        """Since when the worker has taken none of the connections given to it, or None."""
        if self.stalled(now):
            return self.stuck_since or self.waiting_since
        return self.stuck_since

    def take_back(self) -> list[tuple[int, bytes]]:
        """The connections still queued for the worker, which will not take them now."""
        taken: list[tuple[int, bytes]] = []
        flags = socket.MSG_CMSG_CLOEXEC | socket.MSG_DONTWAIT  # the worker sets O_NONBLOCK
        while True:
            try:
                data, ancdata, _, _ = self.worker_end.recvmsg(4096, _ANC_SIZE, flags)
            except (BlockingIOError, OSError):
                return taken
            fds = array.array("i")
            for level, kind, payload in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            if not data and not fds:
                return taken
            taken.extend((fd, data) for fd in fds)
            self.closed += len(fds)


def _peek(fd: int) -> bytes:
    """The first bytes the client sent, left in place for the worker.

    Through the C socket type, whose constructor is half the cost of ``socket.socket``'s
    (the family and type are named, so it asks the kernel nothing)."""
    sock = _socket.socket(_AF_INET, _SOCK_STREAM, 0, fd)
    try:
        return sock.recv(_schedulers.PEEK_BYTES, _PEEK_FLAGS)
    except OSError:
        return b""
    finally:
        sock.detach()


def _defer_accept(sock: socket.socket) -> None:
    """A peeking handle wants connections whose first bytes have come: the kernel
    holds each one back (``TCP_DEFER_ACCEPT``) until they have, or for about
    ``DEFER_ACCEPT`` seconds, so the peek right after ``accept()`` nearly always finds
    the request and the connection is never parked on the loop. A client that stays
    silent is accepted when that time is up, then waits out the peek's own bound."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and hasattr(socket, "TCP_DEFER_ACCEPT"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_ACCEPT)


def _head_complete(data: bytes) -> bool:
    """Enough to choose by: the whole request head, or as much as a peek takes."""
    return b"\r\n\r\n" in data or len(data) >= _schedulers.PEEK_BYTES


_retired: dict[Any, list[socket.socket]] = {}


def release(worker: Any) -> None:
    """Close the route ends kept for ``worker`` by ``remove(retire=True)``."""
    for end in _retired.pop(worker, ()):
        end.close()


class RoundRobinHandle:
    """A listening socket in the primary, and the routes to the workers that serve it."""

    policy = "rr"

    def __init__(self, spec: ServerSpec, scheduler: _schedulers.Scheduler | None = None) -> None:
        self.scheduler = scheduler
        self.pick = scheduler.pick if scheduler is not None else None
        self.peeks = scheduler is not None and scheduler.peeks
        self.counts_closes = scheduler is not None and scheduler.counts_closes
        self.parked: dict[int, tuple[bytes, socket.socket, Timer]] = {}  # waiting for bytes
        self.peeked: dict[int, bytes] = {}  # what a parked connection had sent
        self.sock = spec.bind()
        self.path = spec.path
        try:
            if self.peeks:
                _defer_accept(self.sock)
            self.sock.listen(socket.SOMAXCONN)
        except BaseException:
            self.sock.close()
            raise
        self.sock.setblocking(False)
        self.sockname = self.sock.getsockname()
        self.routes: dict[Any, Route] = {}
        self.rotation: list[Route] = []
        self.live: tuple[Route, ...] = ()  # what a scheduler chooses from (see _update_live)
        self.cursor = 0
        self.pending: deque[tuple[int, bytes]] = deque()
        self.retry: Timer | None = None
        self.stall_check: Timer | None = None
        # Routes given a connection in the current batch of accepts: one TIOCOUTQ per
        # route per batch, not one per connection.
        self.busy: set[Route] = set()
        self.accepting = False
        self._accept_again()

    # -- workers come and go ----------------------------------------------------------

    def add(self, worker: Any) -> socket.socket:
        """A route for ``worker``; the descriptor to hand it (its end of the route)."""
        route = self.routes.get(worker)
        if route is None:
            route = self.routes[worker] = Route(getattr(worker, "id", 0))
        return route.worker_end

    def connections_closed(self, worker: Any, count: int) -> None:
        """``worker`` reports ``count`` connections handed to it closed."""
        route = self.routes.get(worker)
        if route is not None:
            route.closed = min(route.sent, route.closed + count)

    def serves(self, worker: Any) -> bool:
        return worker in self.routes

    def start(self, worker: Any, backlog: int | None = None) -> None:
        """``worker``'s server listens: it takes connections from now on. The first
        worker's backlog becomes the listening socket's, as in Node."""
        route = self.routes.get(worker)
        if backlog is not None and not self.rotation:
            self.sock.listen(backlog)
        if route is not None and not route.listening:
            route.listening = True
            self.rotation.append(route)
            self._update_live()
            self._flush_pending()

    def remove(self, worker: Any, retire: bool = False) -> bool:
        """Stop routing to ``worker``; True if it was the last (then :meth:`close` it,
        or keep it open for workers to come: what it accepts meanwhile waits).

        ``retire``: the worker may still be blocked in ``accept()`` on its end, which
        must not see end-of-file; keep our end open until :func:`release` (the worker
        has parked its servers or is gone).
        """
        route = self.routes.pop(worker, None)
        if route is not None:
            self.busy.discard(route)
            if route in self.rotation:
                self.rotation.remove(route)
                self._update_live()
            self.pending.extendleft(reversed(route.take_back()))
            route.worker_end.close()
            if retire:
                _retired.setdefault(worker, []).append(route.primary_end)
            else:
                route.primary_end.close()
        if self.routes:
            self._flush_pending()
            return False
        return True

    def close(self) -> None:
        self._stop_accepting()
        for timer in (self.retry, self.stall_check):
            if timer is not None:
                timer.cancel()
        close_server_socket(self.sock, self.path)
        for fd in list(self.parked):
            self._unpark(fd)
            os.close(fd)
        while self.pending:
            os.close(self.pending.popleft()[0])

    # -- accepting --------------------------------------------------------------------

    def _accept_again(self) -> None:
        if not self.accepting and self.sock.fileno() != -1:
            self.accepting = True
            loop.watch(self.sock, EVENT_READ, self._on_acceptable)

    def _stop_accepting(self) -> None:
        if self.accepting:
            self.accepting = False
            loop.unwatch(self.sock)

    def _on_acceptable(self, _mask: int) -> None:
        self.busy.clear()  # a new batch: ask the kernel again who has taken everything
        accept = self.sock._accept  # type: ignore[attr-defined]
        for _ in range(ACCEPTS_PER_WAKEUP):
            try:
                fd, peer = accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._accept_failed(exc)
                return
            peer_bytes = _peer_bytes(peer)
            if self.peeks and not self._peeked_at_once(fd) and len(self.parked) < MAX_PENDING:
                self._park(fd, peer_bytes)
                continue
            if self.pending or not self._hand_over(fd, peer_bytes):
                self._wait_for_room(fd, peer_bytes)
            if self.peeked:
                self.peeked.pop(fd, None)  # used, or it waits: then it is peeked again
            if len(self.pending) >= MAX_PENDING:
                self._stop_accepting()  # the kernel's backlog holds the rest
                return

    def _accept_failed(self, exc: OSError) -> None:
        """A failed accept never stops the loop, and never spins the CPU."""
        if exc.errno in _RESOURCE_ERRORS:
            log.warning("cluster: accept() failed (%s); pausing %.1fs", exc, FD_LIMIT_PAUSE)
            self._stop_accepting()
            loop.call_later(FD_LIMIT_PAUSE, self._accept_again)
        elif exc.errno not in (errno.ECONNABORTED, errno.EPROTO, errno.EPERM):
            log.warning("cluster: accept() failed: %s", exc)

    # -- handing out ------------------------------------------------------------------

    def _wait_for_room(self, fd: int, peer: bytes) -> None:
        """No worker can take this connection now: it waits, behind any others."""
        self.pending.append((fd, peer))
        self._retry_soon()

    def _hand_over(self, fd: int, peer: bytes) -> bool:
        """Send to the next idle worker in turn, or else to the next that has room;
        a worker skipped for not keeping up only when no other can take it."""
        routes = self.rotation
        count = len(routes)
        if not count:
            return False
        if self.pick is not None and self._hand_over_picked(fd, peer):
            return True
        busy = self.busy  # not idle: given a connection in this batch, or seen queued
        start = self.cursor
        for step in range(count):  # the next idle route in turn: the usual case
            route = routes[(start + step) % count]
            if route in busy or route.skip_until:
                continue
            if route.idle() and self._send(route, fd, peer, (start + step) % count, True):
                return True
            busy.add(route)
        for skipped in (False, True):  # then the next with room; the skipped ones last
            for step in range(count):
                index = (start + step) % count
                route = routes[index]
                if bool(route.skip_until) == skipped and self._send(route, fd, peer, index):
                    return True
        return False

    def _hand_over_picked(self, fd: int, peer: bytes) -> bool:
        """Send where the scheduler says; False: it says "in turn", or that route is
        full (then the turn decides: a busy worker never holds connections up)."""
        assert self.pick is not None
        peeked = (self.peeked.pop(fd, None) or _peek(fd)) if self.peeks else None
        route = self.pick(self.live, peer, peeked)
        if route is None:
            return False
        try:
            route.send(fd, peer, False)
        except OSError:
            return False
        self.busy.add(route)
        os.close(fd)
        self._watch_stalls()
        return True

    # -- peeking: a connection waits (on the loop) for its first bytes, bounded ---------

    def _peeked_at_once(self, fd: int) -> bool:
        """The request's head has usually come by the time the connection is accepted:
        then it goes on at once, with no parking (no timer, no epoll round)."""
        data = _peek(fd)
        if _head_complete(data):
            self.peeked[fd] = data
            return True
        return False

    def _park(self, fd: int, peer: bytes) -> None:
        sock = _real.socket(fileno=fd)  # an object to watch: the loop knows it by identity
        timer = loop.call_later(_schedulers.PEEK_TIMEOUT, lambda: self._peek_done(fd))
        self.parked[fd] = (peer, sock, timer)
        loop.watch(sock, EVENT_READ, lambda _mask: self._on_peekable(fd))

    def _on_peekable(self, fd: int) -> None:
        """Bytes came: hand over once the request's head is in, else look again
        shortly (the bytes stay readable: watching on would spin)."""
        data = _peek(fd)
        if not data or _head_complete(data):
            self._peek_done(fd, data)
            return
        loop.unwatch(self.parked[fd][1])
        loop.call_later(RETRY_DELAY, lambda: self._look_again(fd))

    def _look_again(self, fd: int) -> None:
        entry = self.parked.get(fd)
        if entry is not None:
            loop.watch(entry[1], EVENT_READ, lambda _mask: self._on_peekable(fd))

    def _unpark(self, fd: int) -> bytes | None:
        """Stop waiting for ``fd``'s bytes; its peer, or None if it was not parked."""
        entry = self.parked.pop(fd, None)
        if entry is None:
            return None
        peer, sock, timer = entry
        loop.unwatch(sock)
        sock.detach()
        timer.cancel()
        return peer

    def _peek_done(self, fd: int, data: bytes | None = None) -> None:
        peer = self._unpark(fd)
        if peer is None:
            return
        self.peeked[fd] = data if data is not None else _peek(fd)
        if self.pending or not self._hand_over(fd, peer):
            self._wait_for_room(fd, peer)
        self.peeked.pop(fd, None)

    def _send(self, route: Route, fd: int, peer: bytes, index: int, was_idle: bool = False) -> bool:
        try:
            route.send(fd, peer, was_idle)
        except OSError:  # full (or the worker just went)
            return False
        self.busy.add(route)
        self.cursor = index + 1
        os.close(fd)
        self._watch_stalls()
        return True

    def _watch_stalls(self) -> None:
        if self.stall_check is None:
            self.stall_check = loop.call_later(STALL_AFTER / 2, self._check_stalls)

    def _check_stalls(self) -> None:
        """Give the connections of a worker that takes none to the others."""
        self.stall_check = None
        now = time.monotonic()
        waiting = False
        for route in list(self.rotation):
            if not route.stalled(now):
                waiting = waiting or route.sent > route.taken
                continue
            if all(other is route or other.skip_until > now for other in self.rotation):
                waiting = True  # nobody else to give them to
                continue
            returned = route.take_back()
            log.warning(
                "cluster: a worker took no connection for %.1fs; %d handed to another",
                STALL_AFTER,
                len(returned),
            )
            route.skip_until = now + STALL_BACKOFF
            route.stuck_since = route.stuck_since or route.waiting_since
            loop.call_later(STALL_BACKOFF, functools.partial(self._end_skip, route))
            self._update_live()
            route.taken = route.sent
            self.pending.extendleft(reversed(returned))
        if self.pending:
            self._flush_pending()
        if waiting:
            self._watch_stalls()

    def _end_skip(self, route: Route) -> None:
        """The back-off after a stall is over: the route takes its turns again."""
        route.skip_until = 0.0
        self._update_live()

    def _update_live(self) -> None:
        """The routes a scheduler may send a new client to: those not skipped for
        stalling, unless all are. Kept as one tuple, rebuilt only when that set
        changes, so a scheduler can tell a change by identity, not per connection."""
        self.live = tuple(_schedulers.live(self.rotation))

    def _flush_pending(self) -> None:
        self.busy.clear()
        while self.pending:
            fd, peer = self.pending[0]
            if not self._hand_over(fd, peer):
                self._retry_soon()
                return
            self.pending.popleft()
        self._accept_again()

    def _retry_soon(self) -> None:
        if self.rotation and (self.retry is None or self.retry.cancelled):
            self.retry = loop.call_later(RETRY_DELAY, self._retry)

    def _retry(self) -> None:
        self.retry = None
        self._flush_pending()
