"""A worker's servers, routed through the primary (Node's ``_getServer`` in child.js).

In a worker, ``socket.socket`` is taught to ask the primary for its server sockets, so
that unchanged server code (socketserver, http.server, asyncio, frameworks on them)
shares ports as Node's servers do:

- ``bind()`` of a TCP, UDP or Unix stream socket sends the address to the primary,
  which binds it (or reuses the socket it already bound for that address) and answers
  with a descriptor that this process puts *under the same descriptor number* with
  ``dup2``, so C code that holds the number (uvloop) sees it too:

  - ``SCHED_NONE`` and UDP: the primary's bound socket itself. ``listen()`` and
    ``accept()`` are the kernel's; every worker accepts from the one queue.
  - ``SCHED_RR``: this worker's end of a private ``SOCK_SEQPACKET`` pair. The primary
    accepts and sends each connection down the pair as one datagram carrying its
    descriptor, so the server's descriptor is readable exactly while a connection
    waits, and ``accept()`` (taught here) receives one. ``getsockname()`` reports the
    primary's address.

- ``listen()`` tells the primary, which emits ``'listening'`` and starts handing out.
- ``close()`` tells the primary, which stops routing here (and gives connections this
  worker had not taken yet to another worker).

Sockets bound inside ``with cluster.exclusive():``, or with ``SO_REUSEPORT`` set, are
left alone, as Node's ``exclusive``/``reusePort`` servers are.

gevent's and eventlet's sockets are not ``socket.socket`` objects: ``_green`` teaches
their inner socket classes the same methods, with :func:`accept_descriptor`,
:func:`adopt_connection` and :func:`closing` for gevent, which accepts descriptors.
"""

from __future__ import annotations

import _socket
import array
import contextlib
import errno
import json
import os
import signal
import socket
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import _closes, _real
from ._channel import ChannelClosedError
from ._ipc import from_json
from ._loop import exit_now, loop
from ._process import process

_original = {
    name: getattr(_real.stdlib_socket, name)
    for name in (
        "bind",
        "listen",
        "accept",
        "getsockname",
        "_real_close",
        "detach",
        "connect",
        "connect_ex",
        "setsockopt",
        "getsockopt",
        "_accept",
    )
}
_ANC_SIZE = socket.CMSG_SPACE(array.array("i").itemsize)
_SOCKET_TYPES = socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC
_SUN_PATH_MAX = 108  # bytes in sockaddr_un.sun_path, with the terminating NUL


@dataclass
class _Server:
    """A routed server socket: what the primary told us about it."""

    key: str
    policy: str  # "rr": connections come down a pair; "shared": the real socket
    family: int
    kind: int  # SOCK_STREAM or SOCK_DGRAM
    requested: Any  # the address asked for, on the wire
    sockname: Any
    index_key: str
    index: int
    original_fd: int  # the socket as the worker made it, until it listens
    listening: bool = False
    count_closes: bool = False  # the primary's scheduler counts open connections
    finalizer: Any = None
    # IP/TCP options set on a round-robin server (its descriptor is a Unix pair)
    options: dict[tuple[int, int], tuple[Any, ...]] = field(default_factory=dict)


_servers: weakref.WeakKeyDictionary[socket.socket, _Server] = weakref.WeakKeyDictionary()
# id() of every socket in _servers: a set lookup tells a connection from a server on the
# hot paths (accept, close) without making a weak reference per call. A stale id (a
# server collected without close) only sends that one lookup the slow way.
_server_ids: set[int] = set()
_detached: dict[int, _Server] = {}  # servers whose descriptor C code took (uvloop)
_indexes: dict[str, set[int]] = {}
_lock = _real.RLock()
_local = threading.local()
# Interrupts blocked calls; its handler does nothing, and its default action (once the
# interpreter resets handlers at exit) is to do nothing too.
WAKE_SIGNAL = signal.SIGURG
_served = False

# Connections accepted through routed servers, for a graceful disconnect.
_connections: weakref.WeakSet[socket.socket] = weakref.WeakSet()
_draining: set[int] = set()
_drained: Callable[[], None] | None = None
_accepts_underway = 0  # accept() calls that may yet bring a connection to wait for
# Descriptors that accept_descriptor() took, until their socket object exists
_adopting: dict[int, _Server] = {}
#: The socket classes taught to route (the real ``socket.socket``, eventlet's copy of it)
_routed_classes: list[type] = []


# -- opting out -------------------------------------------------------------------------


@contextlib.contextmanager
def exclusive() -> Iterator[None]:
    """Servers bound in this block (on this thread) are the worker's own, not shared:
    Node's ``server.listen({exclusive: true})``."""
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        yield
    finally:
        _local.depth -= 1


def _should_route(sock: socket.socket) -> bool:
    if getattr(_local, "depth", 0) or not process.connected:
        return False
    kind = sock.type & ~_SOCKET_TYPES
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        routable = kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM)
    else:
        routable = sock.family == socket.AF_UNIX and kind == socket.SOCK_STREAM
    return routable and not sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)


# -- addresses on the wire ------------------------------------------------------------------


def _wire_address(family: int, address: Any) -> Any:
    """The address as JSON, with the defaults made explicit and Unix paths absolute."""
    if family == socket.AF_UNIX:
        path = os.fsdecode(address)
        return path if path.startswith("\0") else os.path.abspath(path)
    host, port, *rest = address
    if not isinstance(port, int) or isinstance(port, bool):
        raise TypeError(f"port must be an int, not {port!r}")
    if host == "":
        host = "0.0.0.0" if family == socket.AF_INET else "::"
    return [host, port, *rest]


def address_from_wire(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# -- the patched socket methods ---------------------------------------------------------


def _bind(self: socket.socket, address: Any) -> None:
    if _detached:
        _detached.pop(self.fileno(), None)  # that number was closed behind our back
    if not _should_route(self):
        _original["bind"](self, address)
        return
    wire = _wire_address(self.family, address)
    kind = self.type & ~_SOCKET_TYPES
    index_key = json.dumps([int(self.family), int(kind), wire])
    with _lock:
        taken = _indexes.setdefault(index_key, set())
        index = next(i for i in range(len(taken) + 1) if i not in taken)
        taken.add(index)
    try:
        server = _query_server(self, kind, wire, index_key, index)
    except BaseException:
        _release_index(index_key, index)
        raise
    with _lock:
        _servers[self] = server
        _server_ids.add(id(self))
    server.finalizer = weakref.finalize(self, _forget, server)
    if kind == socket.SOCK_DGRAM:
        _announce(server)  # a bound UDP socket is listening, as Node's dgram
    return None


def _query_server(sock: socket.socket, kind: int, wire: Any, index_key: str, index: int) -> _Server:
    v6only = (
        sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)
        if sock.family == socket.AF_INET6
        else 0
    )
    reuse = sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
    own = None
    if sock.family == socket.AF_UNIX and len(os.fsencode(wire)) >= _SUN_PATH_MAX:
        # The primary could not bind a path that long: bind it here, relative to this
        # worker's directory, and let the primary adopt the socket.
        own = _real.socket(sock.family, sock.type)
        try:
            _original["bind"](own, os.path.relpath(wire))
        except BaseException:
            own.close()
            raise
    from . import _child

    loop.call_soon(_child.settled)  # the script now waits on the primary: see when_settled
    try:
        reply, handle = process._require_link("bind").request(
            _query(sock, kind, wire, index, v6only, reuse), own
        )
    except ChannelClosedError:
        if _child.worker is not None and _child.worker.exited_after_disconnect:
            exit_now(0)  # leaving: Node's listen() never completes, and the worker exits 0
        raise
    finally:
        if own is not None:
            own.close()
    if "errno" in reply or handle is None:
        if handle is not None:
            handle.close()
        code = int(reply.get("errno", errno.EPIPE))
        raise OSError(code, os.strerror(code))
    return _adopt(sock, kind, wire, index_key, index, reply, handle)


def _query(
    sock: socket.socket, kind: int, wire: Any, index: int, v6only: int, reuse: int
) -> dict[str, Any]:
    return {
        "act": "queryServer",
        "family": int(sock.family),
        "type": int(kind),
        "address": wire,
        "index": index,
        "v6only": bool(v6only),
        "reuseaddr": bool(reuse),
    }


def _adopt(
    sock: socket.socket,
    kind: int,
    wire: Any,
    index_key: str,
    index: int,
    reply: dict[str, Any],
    handle: socket.socket,
) -> _Server:
    """Put the primary's descriptor under ``sock`` and remember what it serves."""
    timeout = sock.gettimeout()
    original_fd = os.dup(sock.fileno())
    os.dup2(handle.fileno(), sock.fileno(), inheritable=False)
    handle.close()
    if reply["policy"] == "rr":
        sock.settimeout(timeout)  # our own pair: give it this socket's blocking mode
    elif timeout == 0.0:
        # Shared with the primary and the other workers: made non-blocking by a server
        # that set it so before binding (gevent's, eventlet's), never made blocking.
        os.set_blocking(sock.fileno(), False)
    return _Server(
        key=reply["key"],
        policy=reply["policy"],
        family=int(sock.family),
        kind=kind,
        requested=wire,
        sockname=address_from_wire(reply["sockname"]),
        index_key=index_key,
        index=index,
        original_fd=original_fd,
        count_closes=bool(reply.get("countCloses")),
    )


def _server_of(sock: socket.socket) -> _Server | None:
    """The routed server behind ``sock``: by object, or by descriptor once the object
    that bound it was detached (``ssl.wrap_socket`` moves a server to a new object)."""
    server = _servers.get(sock) if id(sock) in _server_ids else None
    if server is None and _detached:
        server = _detached.get(sock.fileno())
    return server


def _pop_server(sock: socket.socket) -> _Server | None:
    """Take ``sock`` out of the routed servers (caller holds ``_lock``)."""
    if id(sock) not in _server_ids:
        return None
    _server_ids.discard(id(sock))
    return _servers.pop(sock, None)


def _listen(self: socket.socket, *backlog: int) -> None:
    server = _server_of(self)
    if server is None:
        _original["listen"](self, *backlog)
        return
    if server.policy == "shared":
        _original["listen"](self, *backlog)
    if not server.listening:
        _announce(server, backlog[0] if backlog else None)
    return None


def served() -> bool:
    """True once a routed server of this worker has listened."""
    return _served


def _announce(server: _Server, backlog: int | None = None) -> None:
    """Tell the primary this server listens: it emits 'listening' and starts routing."""
    global _served
    from . import _child

    server.listening = True
    _served = True
    _close_original(server)
    name = server.sockname
    address_type: int | str
    if server.family == socket.AF_UNIX:
        address, port, address_type = name, None, -1
    else:
        address, port = name[0], name[1]
        version = 4 if server.family == socket.AF_INET else 6
        udp = server.kind == socket.SOCK_DGRAM
        address_type = f"udp{version}" if udp else version
    if _child.worker is not None:
        _child.worker.state = "listening"
    loop.call_soon(_child.settled)
    process._require_link("listen").send_internal(
        {
            "act": "listening",
            "key": server.key,
            "address": address,
            "port": port,
            "addressType": address_type,
            "backlog": backlog,
        }
    )


def _accept(self: socket.socket) -> tuple[socket.socket, Any]:
    global _accepts_underway
    server = _server_of(self)
    if server is None:
        return _original["accept"](self)  # type: ignore[no-any-return]
    if server.policy == "shared" and self.gettimeout() is None:
        # Parked, a blocking accept() on a shared socket waits for good, so it cannot
        # be counted as underway: a disconnect racing it may end the worker under
        # the connection it had just accepted.
        conn, address = _original["accept"](self)
        _accept_ended(conn, counted=False)
        return conn, address
    with _lock:
        _accepts_underway += 1
    received: tuple[socket.socket, Any] | None = None
    try:
        if server.policy == "shared":
            received = _original["accept"](self)
        else:
            received = _receive_connection(self, server)
    finally:
        _accept_ended(received[0] if received else None)
    if received is None:
        # The server was closed (parked) under a blocked accept(): wait on what stands
        # there now, as on a closed server.
        return _original["accept"](self)  # type: ignore[no-any-return]
    return received


def _accept_ended(conn: socket.socket | None, counted: bool = True) -> None:
    """Count the connection an accept() took, for a graceful disconnect: one that
    began before the servers were parked may still bring one, which the drain must
    wait for."""
    global _accepts_underway
    with _lock:
        if counted:
            _accepts_underway -= 1
        if conn is not None:
            _connections.add(conn)
            if _drained is not None:
                _drain(conn)
        done = _drain_done()
    if done is not None:
        loop.call_soon(done)


def _receive_connection(
    sock: socket.socket, server: _Server
) -> tuple[socket.socket, Any] | None:
    """Take one connection the primary handed to this server (honours the timeout);
    None if the server was parked under this call."""
    received = _receive_descriptor(sock)
    if received is None:
        return None
    fd, address = received
    conn = _connection_class(sock)(server.family, server.kind, sock.proto, fileno=fd)
    if socket.getdefaulttimeout() is None and sock.gettimeout():
        conn.setblocking(True)
    if server.count_closes:
        _closes.watch(conn, server.key)
    return conn, address


def _connection_class(sock: socket.socket) -> Any:
    """The routed class ``sock`` is made of: stdlib's, or eventlet's copy of it."""
    return next((cls for cls in type(sock).__mro__ if cls in _routed_classes), _real.stdlib_socket)


def _receive_descriptor(sock: Any) -> tuple[int, Any] | None:
    """A connection's descriptor and peer address, as the primary handed them down
    ``sock``'s pair; None if the server was parked under this call."""
    try:
        data, ancdata, _flags, _ = sock.recvmsg(4096, _ANC_SIZE, socket.MSG_CMSG_CLOEXEC)
    except OSError:
        if _server_of(sock) is not None:
            raise
        return None
    fds = array.array("i")
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    if not fds:
        if _server_of(sock) is not None:
            raise ConnectionAbortedError(
                errno.ECONNABORTED, "the primary no longer routes connections to this server"
            )
        return None
    return fds[0], address_from_wire(from_json(data))


def accept_descriptor(sock: Any) -> tuple[int, Any]:
    """gevent's ``_accept()``: a descriptor and address, from the pair (RR) or the
    shared socket. The connection counts as accepted, for a drain, until
    :func:`adopt_connection` meets the object that wraps the descriptor."""
    global _accepts_underway
    server = _server_of(sock)
    if server is None:
        return _RAW_ACCEPT(sock)  # type: ignore[no-any-return]
    with _lock:
        _accepts_underway += 1
    try:
        if server.policy == "shared":
            received: tuple[int, Any] | None = _RAW_ACCEPT(sock)
        else:
            received = _receive_descriptor(sock)
        if received is None:  # parked under the call: as on a closed server
            received = _RAW_ACCEPT(sock)
    except BaseException:
        _accept_ended(None)
        raise
    assert received is not None
    with _lock:
        _adopting[received[0]] = server
    return received


def adopt_connection(conn: Any, fd: int) -> None:
    """A socket object was made on descriptor ``fd``: if :func:`accept_descriptor`
    took it, it is a connection of a routed server from now on."""
    with _lock:
        server = _adopting.pop(fd, None)
    if server is None:
        return
    if server.count_closes:
        _closes.watch(conn, server.key)
    _accept_ended(conn)


def _setsockopt(self: socket.socket, level: int, option: int, *value: Any) -> None:
    server = _server_of(self)
    if server is not None and server.policy == "rr" and level != socket.SOL_SOCKET:
        server.options[(level, option)] = value  # the primary's socket is the real one
        return
    _original["setsockopt"](self, level, option, *value)


def _getsockopt(self: socket.socket, level: int, option: int, *size: int) -> Any:
    server = _server_of(self)
    if server is not None and server.policy == "rr" and level != socket.SOL_SOCKET:
        stored = server.options.get((level, option))
        return stored[0] if stored else (b"\0" * size[0] if size else 0)
    return _original["getsockopt"](self, level, option, *size)


def _getsockname(self: socket.socket) -> Any:
    server = _server_of(self)
    if server is not None and server.policy == "rr":
        return server.sockname
    return _original["getsockname"](self)


def _real_close(self: socket.socket, _ss: Any = None) -> None:
    closing(self)
    _original["_real_close"](self)


def closing(self: Any) -> None:
    """``self`` is about to close: a server stops being routed, a connection stops
    counting for a drain or for least-connections."""
    if id(self) in _server_ids or _detached:
        with _lock:
            server = _pop_server(self)
            if server is None and _detached:
                server = _detached.pop(self.fileno(), None)
        if server is not None:
            _forget(server)
    if _draining and id(self) in _draining:
        _connection_closed(id(self))
    if _closes.watched and id(self) in _closes.watched:
        _closes.closed(id(self))


def _detach(self: socket.socket) -> int:
    """C code takes the descriptor (uvloop does, then listens itself): the server lives
    on under that number, and a shared one counts as listening from now on. It listens
    here already, so that a client told of 'listening' is not refused while the C code
    has yet to call listen() (which only sets the backlog again)."""
    with _lock:
        server = _pop_server(self)
    announce = server is not None and server.policy == "shared" and not server.listening
    if announce and server is not None and server.kind == socket.SOCK_STREAM:
        _original["listen"](self, socket.SOMAXCONN)
    fd = _original["detach"](self)
    if server is not None:
        server.finalizer.detach()
        with _lock:
            _detached[fd] = server
        if announce:
            _announce(server)
    return fd  # type: ignore[no-any-return]


def _connect(self: socket.socket, address: Any) -> None:
    _unroute_client(self)
    _original["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _unroute_client(self)
    return _original["connect_ex"](self, address)  # type: ignore[no-any-return]


def _unroute_client(sock: socket.socket) -> None:
    """A bound stream socket that connects instead of listening is a client (a source
    address, as Node's ``localAddress``): give it back its own socket, bound here."""
    server = _server_of(sock)
    if server is None or server.listening or server.kind != socket.SOCK_STREAM:
        return
    with _lock:
        _pop_server(sock)
    server.finalizer.detach()
    timeout = sock.gettimeout()
    os.dup2(server.original_fd, sock.fileno(), inheritable=False)
    sock.settimeout(timeout)
    _forget(server)
    _original["bind"](sock, address_from_wire(server.requested))


def unrouted_bind_note(exc: BaseException) -> str | None:
    """Why a worker died of EADDRINUSE, if a socket the routing never saw is to blame:
    a socket of a class that is not ``socket.socket`` (nor gevent's or eventlet's), in
    the frame that raised, bound the port by itself, so no other worker can."""
    if not isinstance(exc, OSError) or exc.errno != errno.EADDRINUSE:
        return None
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return None
    names = tb.tb_frame.f_locals
    unrouted = [
        value
        for value in names.values()
        if isinstance(value, _socket.socket)
        and not any(cls in _routed_classes for cls in type(value).__mro__)
        and _server_of(value) is None  # type: ignore[arg-type]
    ]
    if not unrouted:
        return None
    addresses = [
        value
        for value in names.values()
        if isinstance(value, tuple) and len(value) >= 2 and isinstance(value[1], int)
    ]
    where = f" {addresses[0]!r}" if len(addresses) == 1 else ""
    kind = type(unrouted[0])
    return (
        f"cluster: {kind.__name__} ({kind.__module__}) bound{where} by itself, not routed"
        " through the primary: only socket.socket and gevent's and eventlet's sockets are,"
        " so only one worker can hold the port. Make the server's socket a socket.socket,"
        " or bind it in cluster.exclusive() on a port of each worker's own."
    )


def _close_original(server: _Server) -> None:
    if server.original_fd >= 0:
        os.close(server.original_fd)
        server.original_fd = -1


def _forget(server: _Server) -> None:
    """This server is gone: free its index and tell the primary (once)."""
    _close_original(server)
    if server.index < 0:
        return
    _release_index(server.index_key, server.index)
    server.index = -1
    if process.connected:
        process._require_link("close").send_internal({"act": "close", "key": server.key})


def _release_index(index_key: str, index: int) -> None:
    with _lock:
        taken = _indexes.get(index_key)
        if taken is not None:
            taken.discard(index)
            if not taken:
                del _indexes[index_key]


def install() -> None:
    """Route this worker's servers through the primary (called once, at import, on
    the main thread)."""
    from . import _green

    signal.signal(WAKE_SIGNAL, lambda signum, frame: None)
    route_class(_real.stdlib_socket)
    _green.install()


#: What the routed classes do in place of the kernel's methods.
_ROUTED_METHODS: dict[str, Callable[..., Any]] = {
    "bind": _bind,
    "listen": _listen,
    "getsockname": _getsockname,
    "connect": _connect,
    "connect_ex": _connect_ex,
    "setsockopt": _setsockopt,
    "getsockopt": _getsockopt,
}
#: ... and what classes made like ``socket.socket`` (a subclass in Python) do too.
_SOCKET_METHODS: dict[str, Callable[..., Any]] = {
    "accept": _accept,
    "_real_close": _real_close,
    "detach": _detach,
}
_RAW_ACCEPT = _original["_accept"]


def route_class(cls: type, methods: dict[str, Callable[..., Any]] | None = None) -> None:
    """Teach ``cls`` (a subclass of ``_socket.socket``) to route its servers: the
    methods above, or ``methods`` in place of those of ``socket.socket``'s own."""
    for name, method in {**_ROUTED_METHODS, **(methods or _SOCKET_METHODS)}.items():
        setattr(cls, name, method)
    if methods is None:
        _routed_classes.append(cls)


# -- a graceful disconnect ---------------------------------------------------------------


def on_internal(message: dict[str, Any], handle: socket.socket | None) -> None:
    if handle is not None:
        handle.close()


def close_all(done: Callable[[], None]) -> None:
    """Stop every routed server taking connections, then call ``done()`` once the
    connections they accepted are closed (Node's ``server.close(callback)``)."""
    global _drained
    with _lock:
        servers = [(sock.fileno(), server) for sock, server in _servers.items()]
        servers += list(_detached.items())
        for fd, _server in servers:
            _park(fd)  # first: a racing accept() must find the parked socket
        _servers.clear()
        _server_ids.clear()
        _detached.clear()
        _drained = done
    for _fd, server in servers:
        _forget(server)
    if servers:
        _wake_blocked_threads()
    with _lock:
        for conn in list(_connections):
            if conn.fileno() != -1:
                _drain(conn)
        now_done = _drain_done()
    if now_done is not None:
        now_done()


def _drain(conn: socket.socket) -> None:
    """Wait for ``conn`` to close before the disconnect goes on (under ``_lock``)."""
    if id(conn) not in _draining:
        _draining.add(id(conn))
        weakref.finalize(conn, _connection_closed, id(conn))


def _drain_done() -> Callable[[], None] | None:
    """The drain's callback, taken, once no connection and no accept() is left
    (under ``_lock``)."""
    global _drained
    if _drained is None or _draining or _accepts_underway:
        return None
    done, _drained = _drained, None
    return done


def _park(fd: int) -> None:
    """Put a listening socket that nobody can reach under ``fd``: a server loop that
    polls it waits quietly, and ``accept()`` on it waits (or finds nothing, when
    non-blocking), instead of failing on a closed descriptor."""
    quiet = _real.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    _original["bind"](quiet, "")  # Linux autobind: an abstract name nobody knows
    _original["listen"](quiet, 1)
    quiet.setblocking(os.get_blocking(fd))
    os.dup2(quiet.fileno(), fd, inheritable=False)
    quiet.close()


def _wake_blocked_threads() -> None:
    """A thread blocked in ``accept()`` keeps waiting on the socket it started with;
    interrupted, Python retries the call on what now stands under that descriptor."""
    me = _real.get_ident()
    real = sys._current_frames()  # a green patch lists greenlets as threads too
    for thread in threading.enumerate():
        if thread.ident is not None and thread.ident != me and thread.ident in real:
            with contextlib.suppress(OSError, ProcessLookupError):
                signal.pthread_kill(thread.ident, WAKE_SIGNAL)


def _connection_closed(conn_id: int) -> None:
    with _lock:
        if conn_id not in _draining:
            return
        _draining.discard(conn_id)
        done = _drain_done()
    if done is not None:
        loop.call_soon(done)
