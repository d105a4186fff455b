"""The standard library as it was before gevent or eventlet patched it.

``gevent.monkey.patch_all()`` and ``eventlet.monkey_patch()`` replace ``socket.socket``,
``select``, ``threading``'s locks, ``time.sleep`` and ``subprocess.Popen`` with green
versions that only work on the thread that runs their hub. The cluster's own thread and
its waits must stay real wherever the program patches: before ``import cluster``, at the
top of the program, or later, in the worker's branch. So the cluster takes these from
here, never from the patched modules:

- Patched before ``import cluster``: the originals that gevent saved
  (``gevent.monkey.get_original``) or that eventlet keeps (``eventlet.patcher.original``).
- Patched later: what the modules held at ``import cluster``, captured below.

Green locks and events are the reason for :class:`Event`: ``threading.Event`` builds its
condition from ``threading``'s *current* lock factory, which a later patch replaces.
"""

from __future__ import annotations

import _socket
import importlib
import importlib.util
import select as _select
import socket as _stdlib_socket
import sys
import threading
import time as _time
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

#: eventlet's names for what it patches, where they are not the modules' own
_EVENTLET_NAMES = {"_thread": "thread", "threading": "thread"}


def _eventlet_patched(module: str) -> bool:
    patcher = sys.modules.get("eventlet.patcher")
    return patcher is not None and bool(
        patcher.is_monkey_patched(_EVENTLET_NAMES.get(module, module))
    )


def _original(module: str, name: str) -> Any:
    """``module.name`` as the standard library defines it, patched or not."""
    gevent_monkey = sys.modules.get("gevent.monkey")
    if gevent_monkey is not None and gevent_monkey.is_object_patched(module, name):
        return gevent_monkey.get_original(module, name)
    if _eventlet_patched(module):
        return getattr(sys.modules["eventlet.patcher"].original(module), name)
    return getattr(importlib.import_module(module), name)


def is_patched(module: str) -> bool:
    """Has gevent or eventlet replaced parts of ``module`` (now)?"""
    gevent_monkey = sys.modules.get("gevent.monkey")
    if gevent_monkey is not None and gevent_monkey.is_module_patched(module):
        return True
    return _eventlet_patched(module)


def green_library_loaded() -> bool:
    """Does this program use gevent or eventlet? Their hubs print an exception such as
    ``KeyboardInterrupt`` from whichever greenlet it lands in, so Ctrl+C there ends the
    process by SIGINT at once, quietly, as Node's does."""
    return "gevent" in sys.modules or "eventlet" in sys.modules


#: The standard library's ``socket.socket``: what the routing in a worker teaches.
stdlib_socket: type[_stdlib_socket.socket] = _original("socket", "socket")
if TYPE_CHECKING:
    _Socket = _stdlib_socket.socket
else:
    _Socket = stdlib_socket


class socket(_Socket):  # noqa: N801 - the stdlib's name
    """The cluster's own sockets. ``socket.socket.accept()`` makes its connection from
    the ``socket`` module's current class (gevent's, once patched): this one doesn't."""

    __slots__ = ()

    def accept(self) -> tuple[socket, Any]:
        fd, address = self._accept()  # type: ignore[attr-defined]
        conn = socket(self.family, self.type, self.proto, fileno=fd)
        if _socket.getdefaulttimeout() is None and self.gettimeout():
            conn.setblocking(True)
        return conn, address


def socketpair(
    family: int = _socket.AF_UNIX, type: int = _socket.SOCK_STREAM, proto: int = 0  # noqa: A002
) -> tuple[socket, socket]:
    a, b = _socket.socketpair(family, type, proto)
    return socket(family, type, proto, a.detach()), socket(family, type, proto, b.detach())


select: Callable[..., Any] = _original("select", "select")
epoll: type[_select.epoll] = _original("select", "epoll")
sleep: Any = _original("time", "sleep")
Lock: Any = _original("_thread", "allocate_lock")
RLock: Any = _original("_thread", "RLock")
get_ident: Callable[[], int] = _original("_thread", "get_ident")
_start_new_thread: Any = _original("_thread", "start_new_thread")


def _private_copy(name: str) -> ModuleType:
    """A module of the standard library run afresh, not entered in ``sys.modules``:
    its functions see their own globals, not the ones a green patch replaced
    (gevent's ``subprocess._fork_exec = None``, say)."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _unpatched_popen() -> Any:
    import subprocess

    if not is_patched("subprocess"):
        return subprocess.Popen
    return _private_copy("subprocess").Popen


Popen: Any = _unpatched_popen()


class Event:
    """``threading.Event`` on real locks: one thread waits, any other sets it."""

    def __init__(self) -> None:
        self._flag = False
        self._lock = Lock()
        self._waiters: list[Any] = []

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        with self._lock:
            self._flag = True
            waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.release()

    def clear(self) -> None:
        with self._lock:
            self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        if _on_green_hub():
            return self._wait_letting_greenlets_run(timeout)
        with self._lock:
            if self._flag:
                return True
            waiter = Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if not waiter.acquire(True, -1 if timeout is None else timeout):
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self._flag


    def _wait_letting_greenlets_run(self, timeout: float | None) -> bool:
        """Wait by the green library's own sleep: the program's other greenlets (a
        primary's, once its script is done) go on meanwhile."""
        green_sleep = importlib.import_module("time").sleep
        deadline = None if timeout is None else _time.monotonic() + timeout
        while not self._flag:
            if deadline is not None and _time.monotonic() >= deadline:
                break
            green_sleep(_GREEN_POLL_S)
        return self._flag


_MAIN_THREAD = get_ident()  # cluster is imported on the main thread (__init__ checks)
_GREEN_POLL_S = 0.01


def _on_green_hub() -> bool:
    """Is this the main thread of a program whose ``time.sleep`` is green?"""
    return get_ident() == _MAIN_THREAD and is_patched("time")


class _ClusterThread(threading.Thread):
    """A ``threading.Thread`` that the interpreter does not wait for at exit, while
    the threads started on it inherit ``daemon`` as given.

    The cluster ends its own threads (``_loop.at_script_end``). Were its thread a
    non-daemon, a green patch made after it started would leave the interpreter
    waiting for it: eventlet's patch puts its own copy of ``threading._shutdown`` in
    place, which runs none of the exit functions registered before, and on Python
    3.13 that copy still waits for every non-daemon thread of the OS."""

    def __init__(self, target: Any, name: str, daemon: bool) -> None:
        super().__init__(target=target, name=name, daemon=True)
        self._inherited_daemon = daemon

    def start(self) -> None:
        super().start()
        # Started as a daemon; from now on ``daemon`` is what a Thread created on this
        # one inherits (Thread.__init__ reads current_thread().daemon).
        self._daemonic = self._inherited_daemon

    def _delete(self) -> None:
        """Leave ``threading``'s table under the identity this thread began with: a
        green patch made since then replaces ``threading.get_ident``, and the table's
        own lookup (a ``KeyError`` printed at exit) would miss."""
        with threading._active_limbo_lock:  # type: ignore[attr-defined]
            threading._active.pop(self.ident, None)  # type: ignore[attr-defined]


class _RealThread:
    """A thread of the OS started while ``threading`` is green (patched before the
    cluster's thread started): only what the cluster asks of a thread."""

    def __init__(self, target: Any, name: str) -> None:
        self._target = target
        self.name = name
        self.ident: int | None = None
        self._ended = Lock()

    def start(self) -> None:
        self._ended.acquire()
        self.ident = _start_new_thread(self._run, ())

    def _run(self) -> None:
        try:
            self._target()
        finally:
            self._ended.release()

    def join(self) -> None:
        with self._ended:
            pass

    def is_alive(self) -> bool:
        return bool(self._ended.locked())


def start_thread(target: Any, name: str, daemon: bool = False) -> Any:
    """Start ``target`` on a real thread, which the interpreter does not wait for at
    exit (the cluster's exit functions end it); a ``threading.Thread`` when threading
    is not green, on which new threads are daemons if ``daemon`` is."""
    thread: Any
    if is_patched("threading"):
        thread = _RealThread(target, name)
    else:
        thread = _ClusterThread(target, name, daemon)
    thread.start()
    return thread
