"""Which worker gets a connection: the schedulers a round-robin handle can ask.

Node hands connections out in turn and nothing else (its core declined sticky and
pluggable schedulers). Here the handle keeps its turn-taking fast path for
``"round-robin"`` and, for any other ``setup_primary(scheduler=...)``, asks one small
scheduler object per server which route to send a connection to:

- ``"least-connections"``: the route whose worker holds the fewest open connections
  (workers report closes, batched; see ``_listen``);
- ``"ip-hash"``: rendezvous hashing of the client's address over the live routes, so a
  client keeps its worker and only a leaving worker's clients move;
- ``"header:NAME"`` / ``"cookie:NAME"``: the same hashing of a request header or a
  cookie, read with ``MSG_PEEK`` (the bytes stay for the worker);
- ``"socketio"``: socket.io's ``sid=`` query parameter, as ``@socket.io/sticky``;
- a callable of the user's (:class:`WorkerView` is what it sees).

A scheduler answers ``None`` to mean "take the usual turn": then, and when the route it
chose has no room, the handle's round-robin decides. A skipped (stalled) route is never
chosen for a new client while another is live, and a route leaves ``routes`` as soon as
its worker disconnects, so every scheduler keeps the handle's lossless take-back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._round_robin_handle import Route

log = logging.getLogger("cluster")

PEEK_BYTES = 8192  # the most of a request a peeking scheduler reads
PEEK_TIMEOUT = 0.1  # how long a connection may wait for its first bytes
SID_MEMORY = 65536  # socket.io sessions remembered per server
KEYS_REMEMBERED = 65536  # sticky answers kept per server (then forgotten, and worked out again)
ERROR_LOG_INTERVAL = 10.0  # a failing user scheduler is logged at most this often

NAMES = ("round-robin", "least-connections", "ip-hash", "header:NAME", "cookie:NAME", "socketio")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class WorkerView:
    """A read-only view of one worker a connection may go to (what a user scheduler
    is given): its ``id``, the ``connections`` it was handed, how many of those are
    still ``open`` (workers report closes only under ``"least-connections"``: else
    this is what was handed, less what was taken back), and
    whether it is ``stalled`` (taking no connection: skipped while others can)."""

    __slots__ = ("_route",)

    def __init__(self, route: Route) -> None:
        self._route = route

    @property
    def id(self) -> int:
        return self._route.worker_id

    @property
    def connections(self) -> int:
        return self._route.sent

    @property
    def open(self) -> int:
        return self._route.sent - self._route.closed

    @property
    def stalled(self) -> bool:
        return bool(self._route.skip_until)

    def __repr__(self) -> str:
        return f"<WorkerView id={self.id} connections={self.connections} open={self.open}>"


class Scheduler(Protocol):
    """What a handle asks: ``pick(routes, peer, peeked)``, a route or None (in turn).

    ``routes`` is the handle's tuple of :func:`live` routes: the same object for as
    long as that set stays the same."""

    peeks: bool  # wants the first bytes of the request (MSG_PEEK)
    counts_closes: bool  # needs the workers to report closed connections

    def pick(self, routes: Sequence[Route], peer: bytes, peeked: bytes | None) -> Route | None: ...


def live(routes: Sequence[Route]) -> Sequence[Route]:
    """The routes a new client may go to: not skipped for stalling, unless all are."""
    live = [route for route in routes if not route.skip_until]
    return live or routes


def rendezvous(key: bytes, routes: Sequence[Route]) -> Route:
    """The route with the highest hash of (key, worker id): when a route leaves, only
    its keys move, each to the route that scored next for it."""
    best, best_score = routes[0], b""
    for route in routes:
        score = hashlib.blake2b(key + route.hash_salt, digest_size=8).digest()
        if score > best_score:
            best, best_score = route, score
    return best


class Sticky:
    """:func:`rendezvous` over the live routes, remembered per key while those routes
    stay the same: a returning client costs a dict lookup, not a hash per worker.
    Any change to the live routes (a worker joins, leaves, stalls or recovers)
    forgets every answer, so each is worked out again over the new set."""

    def __init__(self) -> None:
        self.live: Sequence[Route] = ()
        self.chosen: dict[bytes, Route] = {}

    def route(self, key: bytes, routes: Sequence[Route]) -> Route:
        if routes is not self.live:  # the handle's tuple was rebuilt: a change, maybe
            if tuple(routes) != tuple(self.live):
                self.chosen = {}
            self.live = routes
        route = self.chosen.get(key)
        if route is None:
            if len(self.chosen) >= KEYS_REMEMBERED:
                self.chosen.clear()
            route = self.chosen[key] = rendezvous(key, routes)
        return route


def client_host(peer: bytes) -> bytes:
    """The host of a peer address as the handle writes it (``["1.2.3.4",port]``)."""
    if peer.startswith(b'["'):
        end = peer.find(b'"', 2)
        if end > 0:
            return peer[2:end]
    return peer


class LeastConnections:
    """The worker holding the fewest open connections; ties go in turn."""

    peeks = False
    counts_closes = True

    def __init__(self) -> None:
        self.turn = 0

    def pick(self, routes: Sequence[Route], peer: bytes, peeked: bytes | None) -> Route | None:
        self.turn += 1
        count = len(routes)
        best = routes[self.turn % count]
        fewest = best.sent - best.closed
        for step in range(1, count):
            route = routes[(self.turn + step) % count]
            held = route.sent - route.closed
            if held < fewest:
                best, fewest = route, held
        return best


class IpHash:
    """Rendezvous hashing of the client's address."""

    peeks = False
    counts_closes = False

    def __init__(self) -> None:
        self.sticky = Sticky()

    def pick(self, routes: Sequence[Route], peer: bytes, peeked: bytes | None) -> Route | None:
        return self.sticky.route(client_host(peer), routes)


def header_value(peeked: bytes | None, name: bytes) -> bytes | None:
    """The value of header ``name`` (lower case) in the request's first bytes.

    One search of the lower-cased head for ``CRLF name:`` (a field name is followed
    by its colon with no space between, RFC 9112), not a parse of every line."""
    if not peeked:
        return None
    end = peeked.find(b"\r\n\r\n")
    head = peeked if end < 0 else peeked[: end + 2]
    field = b"\r\n" + name + b":"
    start = head.lower().find(field)
    if start < 0:
        return None
    start += len(field)
    stop = head.find(b"\r\n", start)
    return head[start : stop if stop >= 0 else len(head)].strip()


def cookie_value(peeked: bytes | None, name: bytes) -> bytes | None:
    cookies = header_value(peeked, b"cookie")
    for pair in (cookies or b"").split(b";"):
        key, sep, value = pair.strip().partition(b"=")
        if sep and key == name:
            return value
    return None


class HeaderAffinity:
    """Rendezvous hashing of a header's (or a cookie's) value; in turn without one."""

    peeks = True
    counts_closes = False

    def __init__(self, name: str, cookie: bool) -> None:
        self.name = name.encode() if cookie else name.lower().encode()
        self.read = cookie_value if cookie else header_value
        self.sticky = Sticky()

    def pick(self, routes: Sequence[Route], peer: bytes, peeked: bytes | None) -> Route | None:
        value = self.read(peeked, self.name)
        return None if value is None else self.sticky.route(value, routes)


_SID = re.compile(rb"[?&]sid=([^&\s#]+)")


def socketio_sid(peeked: bytes | None) -> bytes | None:
    """The ``sid`` query parameter of the request line (engine.io's session id)."""
    if not peeked:
        return None
    line = peeked.split(b"\r\n", 1)[0]
    match = _SID.search(line)
    return match.group(1) if match else None


class SocketIO:
    """socket.io's sessions stay on the worker that opened them.

    The worker makes up the ``sid`` in its answer to the handshake, which the primary
    does not read, so a hash of the ``sid`` alone cannot find that worker.
    ``@socket.io/sticky`` learns each ``sid`` from the worker's answer; here the handshake
    (no ``sid``) goes by the client's address (ip-hash), and the first request carrying
    a ``sid`` goes the same way and is remembered: that session then keeps its worker
    even if its client's address changes, and while the worker lives.
    """

    peeks = True
    counts_closes = False

    def __init__(self) -> None:
        self.sessions: OrderedDict[bytes, int] = OrderedDict()
        self.sticky = Sticky()

    def pick(self, routes: Sequence[Route], peer: bytes, peeked: bytes | None) -> Route | None:
        sid = socketio_sid(peeked)
        if sid is not None:
            worker_id = self.sessions.get(sid)
            for route in routes:
                if route.worker_id == worker_id:
                    self.sessions.move_to_end(sid)
                    return route
        route = self.sticky.route(client_host(peer), routes)
        if sid is not None:
            self.sessions[sid] = route.worker_id
            if len(self.sessions) > SID_MEMORY:
                self.sessions.popitem(last=False)
        return route


UserScheduler = Callable[[Any, "bytes | None", "list[WorkerView]"], Any]


class Pluggable:
    """The user's callable: ``scheduler(peer, peeked, workers)`` returns a
    :class:`WorkerView` (one of ``workers``), a worker id, or None (in turn).

    An exception or any other answer means round-robin for that connection; it is
    logged once, then at most every ``ERROR_LOG_INTERVAL`` seconds with a count.
    """

    counts_closes = False

    def __init__(self, user: UserScheduler) -> None:
        self.user = user
        self.peeks = bool(getattr(user, "peek", False))
        self.failures = 0
        self.logged_at = -ERROR_LOG_INTERVAL

    def pick(self, routes: Sequence[Route], peer: bytes, peeked: bytes | None) -> Route | None:
        try:
            address = json.loads(peer) if peer else peer
            answer = self.user(
                tuple(address) if isinstance(address, list) else address,
                peeked if self.peeks else None,
                [route.view for route in routes],
            )
        except Exception as exc:  # noqa: BLE001 - user code must not stop the accept loop
            self._failed(f"raised {exc!r}")
            return None
        if answer is None:
            return None
        for route in routes:
            if answer is route.view or (type(answer) is int and answer == route.worker_id):
                return route
        self._failed(f"returned {answer!r}, not one of the workers it was given, an id or None")
        return None

    def _failed(self, what: str) -> None:
        self.failures += 1
        now = time.monotonic()
        if now - self.logged_at >= ERROR_LOG_INTERVAL:
            log.warning(
                "cluster: the scheduler %r %s; round-robin instead (%d connection(s) so)",
                self.user,
                what,
                self.failures,
            )
            self.logged_at, self.failures = now, 0


def make(value: Any) -> Scheduler | None:
    """A new scheduler for one server, from ``setup_primary(scheduler=...)``; None for
    round-robin (the handle's own fast path). Raises ValueError naming a bad value."""
    if value is None or value == "round-robin":
        return None
    if isinstance(value, type):
        return Pluggable(value())
    if callable(value):
        return Pluggable(value)
    if not isinstance(value, str):
        raise ValueError(
            f"scheduler must be a name ({', '.join(NAMES)}) or a callable, "
            f"not {type(value).__name__}"
        )
    if value == "least-connections":
        return LeastConnections()
    if value == "ip-hash":
        return IpHash()
    if value == "socketio":
        return SocketIO()
    kind, sep, name = value.partition(":")
    if sep and kind in ("header", "cookie"):
        if not _TOKEN.match(name):
            raise ValueError(f"scheduler {value!r}: {name!r} is not a {kind} name")
        return HeaderAffinity(name, cookie=kind == "cookie")
    raise ValueError(f"unknown scheduler {value!r}; the schedulers are: {', '.join(NAMES)}")


def check(value: Any) -> str | None:
    """``setup_primary()``'s check: a problem, or None."""
    if isinstance(value, type):
        return None  # instantiated per server, when one is bound
    try:
        make(value)
    except ValueError as exc:
        return str(exc)
    return None
