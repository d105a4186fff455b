"""The cluster's event context: one thread per process that owns all cluster I/O.

Every cluster event and callback runs on this thread, one at a time, so user listeners
never run concurrently with each other. Other threads talk to it with
:meth:`EventLoop.call_soon` (thread-safe) and :meth:`EventLoop.run_sync`.

Node delivers no event before the main script's first run has finished, so a listener
added right after ``fork()`` hears ``'fork'``. Python's main thread runs beside this
one, so events are *held* instead: an event that fires while the main script is still
running and nobody listens to it yet waits until a listener is added or the script ends
(then, as in Node, an event nobody listens to is dropped). What is held is bounded: a
number of occurrences per event, and nothing for an emitter nobody can reach any more.
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import os
import select
import signal
import sys
import threading
import time
import warnings
import weakref
from collections import deque
from collections.abc import Callable
from selectors import EVENT_READ, EVENT_WRITE
from typing import Any, TypeVar

from . import _real
from ._emitter import EventEmitter

T = TypeVar("T")

# Occurrences of one event held for one emitter before the script ends: beyond this,
# the oldest go. A worker may send many messages before anyone listens; other events
# come one or a few per worker, and a primary whose script never ends would otherwise
# keep every exited worker that nobody listened to.
MAX_HELD_MESSAGES = 100_000
MAX_HELD_EVENTS = 1_000

# Held occurrences are keyed by a weak reference to their emitter: the events of an
# emitter that nobody can reach any more (an exited worker the program kept no
# reference to) can never be heard, and go with it.
HeldKey = tuple["weakref.ref[EventEmitter]", str]


def flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


_exiting = _real.Lock()


def exit_now(code: int) -> None:
    """End the process at once from any thread, like Node's ``process.exit``: the
    ``atexit`` functions run (as Node's ``'exit'`` listeners do), other threads don't."""
    if _exiting.acquire(blocking=False):
        atexit._run_exitfuncs()
    flush_stdio()
    os._exit(code)


def at_script_end(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the main script is done, before the interpreter waits for
    non-daemon threads and before ``atexit`` (``threading``'s exit functions).
    eventlet's patch replaces ``threading._shutdown`` with its own copy's, which runs
    the copy's exit functions: register there. A patch made after this call leaves
    ``atexit`` to run it, unless the process is ending by :func:`exit_now`."""
    ran = False

    def once() -> None:
        nonlocal ran
        if not ran and not _exiting.locked():
            ran = True
            callback()

    shutdown: Any = threading._shutdown  # type: ignore[attr-defined]
    shutdown_globals = getattr(shutdown, "__globals__", {})
    register: Any = shutdown_globals.get("_register_atexit", threading._register_atexit)  # type: ignore[attr-defined]
    register(once)
    atexit.register(once)


class Timer:
    """A pending :meth:`EventLoop.call_later` call; :meth:`cancel` stops it."""

    __slots__ = ("when", "callback", "cancelled")

    def __init__(self, when: float, callback: Callable[[], Any]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class EventLoop:
    """An epoll loop on a thread of its own, started on first use."""

    def __init__(self) -> None:
        # epoll itself, not selectors: the wrapper's bookkeeping is a measurable part of
        # a message's round trip. fd -> (the watched object, events, callback).
        self._epoll = _real.epoll()
        self._watched: dict[int, tuple[Any, int, Callable[[int], Any]]] = {}
        self._ready: deque[Callable[[], Any]] = deque()
        self._timers: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()
        # Reentrant: a signal handler (main thread) may call call_soon() while the
        # main thread it interrupted is inside call_soon() already.
        self._lock = _real.RLock()
        self._wake_r, self._wake_w = _real.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._woken = False
        self.watch(self._wake_r, EVENT_READ, self._drain_wakeups)
        self._thread: Any = None  # _real.start_thread's
        self._thread_id = -1  # the loop thread's real get_ident(), once it runs
        self.tick = 0  # turns of the loop so far
        self._start_lock = _real.RLock()
        self.script_done = False
        self._stopped = False
        self._held: dict[HeldKey, deque[tuple[Any, ...]]] = {}
        self._sweep_at = 64  # held keys at which unreachable emitters' keys are dropped

    # -- the thread -------------------------------------------------------------

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                # The interpreter does not wait for this thread (at_script_end's
                # functions end it), but threads that callbacks start on it (a
                # threading.Timer, say) are not daemons: it waits for those. A real
                # thread even where gevent or eventlet has patched threading.
                self._thread = _real.start_thread(self._run, "cluster")

    def in_loop_thread(self) -> bool:
        return _real.get_ident() == self._thread_id

    def stop(self) -> None:
        """End the loop thread (at interpreter exit); later calls run inline."""
        self._stopped = True
        self.call_soon(lambda: None)
        thread = self._thread
        if thread is not None and not self.in_loop_thread():
            thread.join()

    def _run(self) -> None:
        # Signals are for the main thread (Python runs handlers there); blocking SIGINT
        # here also means that workers, started from this thread, start with it
        # blocked (see _child.run_worker).
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        self._thread_id = _real.get_ident()
        watched = self._watched
        while not self._stopped:
            self.tick += 1
            for fd, flags in self._wait_for_events():
                entry = watched.get(fd)
                if entry is None:
                    continue
                _, events, callback = entry
                if flags != select.EPOLLIN:
                    events &= _ready_mask(flags)
                try:  # (not _guarded: a call less on every message's path)
                    callback(events)
                except BaseException as exc:  # noqa: BLE001 - it ends the process
                    crash(exc)
            if self._timers:
                self._run_timers()
            if self._ready:
                self._run_ready()

    def _wait_for_events(self) -> list[tuple[int, int]]:
        """Block in epoll until a watched descriptor is ready, a call is queued or the
        next timer is due (a function of its own: profiles tell waiting from work)."""
        if self._ready:
            timeout = 0.0
        elif self._timers:
            timeout = max(0.0, self._timers[0][0] - time.monotonic())
        else:
            timeout = -1
        return self._epoll.poll(timeout)

    def _run_ready(self) -> None:
        with self._lock:
            batch = list(self._ready)
            self._ready.clear()
            self._woken = False
        for callback in batch:
            self._guarded(callback)

    def _run_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._guarded(timer.callback)

    def _guarded(self, callback: Callable[..., Any], *args: Any) -> None:
        try:
            callback(*args)
        except BaseException as exc:  # noqa: BLE001 - an uncaught error ends the process
            crash(exc)

    def _drain_wakeups(self, _mask: int) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    # -- scheduling -------------------------------------------------------------

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` on the loop thread soon; callable from any thread."""
        call = (lambda: callback(*args)) if args else callback
        with self._lock:
            self._ready.append(call)
            wake = not self._woken and not self.in_loop_thread()
            self._woken = True
        if wake:
            try:
                self._wake_w.send(b"\0")
            except BlockingIOError:
                pass
        if self._thread is None:
            self.start()

    def call_later(self, delay: float, callback: Callable[[], Any]) -> Timer:
        """Run ``callback`` on the loop thread after ``delay`` seconds."""
        timer = Timer(time.monotonic() + delay, callback)
        self.call_soon(lambda: heapq.heappush(self._timers, (timer.when, next(self._order), timer)))
        return timer

    def run_sync(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the loop thread and return its result (or raise its error)."""
        if self.in_loop_thread() or self._stopped:
            return fn()
        done = _real.Event()
        outcome: list[Any] = []

        def call() -> None:
            try:
                outcome.append((True, fn()))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                outcome.append((False, exc))
            done.set()

        self.call_soon(call)
        done.wait()
        ok, value = outcome[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    # -- file descriptors (loop thread only) --------------------------------------

    def watch(self, fileobj: Any, events: int, callback: Callable[[int], Any]) -> None:
        """Call ``callback(mask)`` whenever ``fileobj`` (a descriptor, or an object with
        ``fileno()``) is ready for ``events`` (``EVENT_READ | EVENT_WRITE``)."""
        fd = fileobj if isinstance(fileobj, int) else fileobj.fileno()
        flags = (select.EPOLLIN if events & EVENT_READ else 0) | (
            select.EPOLLOUT if events & EVENT_WRITE else 0
        )
        try:
            self._epoll.modify(fd, flags)
        except FileNotFoundError:  # not watched (or closed and forgotten by the kernel)
            self._epoll.register(fd, flags)
        self._watched[fd] = (fileobj, events, callback)

    def unwatch(self, fileobj: Any) -> None:
        """Stop watching ``fileobj`` (before it is closed, or after: then it is found
        by identity, the kernel having dropped it already)."""
        fd = fileobj if isinstance(fileobj, int) else fileobj.fileno()
        if fd not in self._watched or self._watched[fd][0] is not fileobj:
            fd = next((f for f, entry in self._watched.items() if entry[0] is fileobj), -1)
        if self._watched.pop(fd, None) is not None:
            try:
                self._epoll.unregister(fd)
            except (FileNotFoundError, ValueError):
                pass  # closed already

    # -- holding events until someone listens -------------------------------------

    def deliver_pair(
        self,
        event: str,
        first: EventEmitter,
        first_args: tuple[Any, ...],
        second: EventEmitter,
        second_args: tuple[Any, ...],
    ) -> None:
        """One occurrence told on two emitters (a worker and the module, a worker and
        its process), in that order. If either has a listener, the other does not
        hold it: someone already hears this event."""
        heard = first.has_listeners(event) or second.has_listeners(event)
        self.deliver(first, event, *first_args, hold=not heard)
        self.deliver(second, event, *second_args, hold=not heard)

    def deliver(self, emitter: EventEmitter, event: str, *args: Any, hold: bool = True) -> None:
        """Emit ``event`` on ``emitter`` now, or hold it (see the module docstring).

        An argument may be :class:`Deferred`: it is computed when the event is emitted
        (a message is unpickled only when someone hears it, after the script that
        defines its classes has run).
        """
        if event == "error":
            emitter.emit(event, *args)  # never held: with no listener it raises at once
            return
        if self._held:
            key = (weakref.ref(emitter), event)
            held = self._held.get(key)
            if held is not None:
                held.append(args)
                self._release(key)
                return
        if emitter.has_listeners(event):
            _emit(emitter, event, *args)
        elif hold and not self.script_done:
            self._hold(emitter, event, args)
        # else: nobody listens and nobody will be waited for: dropped, as in Node

    def _hold(self, emitter: EventEmitter, event: str, args: tuple[Any, ...]) -> None:
        if len(self._held) >= self._sweep_at:
            self._forget_unreachable()
        self._held[(weakref.ref(emitter), event)] = deque([args])

    def _forget_unreachable(self) -> None:
        """Drop what is held for emitters that are gone (now and then: as keys pile up)."""
        for key in [key for key in self._held if key[0]() is None]:
            del self._held[key]
        self._sweep_at = 2 * len(self._held) + 64

    def _release(self, key: HeldKey) -> None:
        """Emit the held occurrences of one event, if it is heard now."""
        emitter, event = key[0](), key[1]
        held = self._held[key]
        if emitter is None:  # gone: nobody can hear these any more
            del self._held[key]
            return
        if not (self.script_done or emitter.listener_count(event)):
            limit = MAX_HELD_MESSAGES if event == "message" else MAX_HELD_EVENTS
            if len(held) > limit:
                held.popleft()
                _warn_dropped(event, limit)
            return
        del self._held[key]
        while held:
            _emit(emitter, event, *held.popleft())

    def listener_added(self, emitter: EventEmitter, event: str) -> None:
        key = (weakref.ref(emitter), event)
        if key in self._held:
            self.call_soon(self._release_if_held, key)

    def _release_if_held(self, key: HeldKey) -> None:
        if key in self._held:
            self._release(key)

    def end_of_script(self) -> None:
        """The main script has finished: deliver what was held; hold nothing from now on."""

        def release_all() -> None:
            self.script_done = True
            for key in list(self._held):
                self._release(key)

        self.run_sync(release_all)


def _ready_mask(events: int) -> int:
    """epoll's flags as ``EVENT_READ | EVENT_WRITE`` (an error or hang-up is both, as
    in ``selectors``: the callback's next read or write reports it)."""
    mask = 0
    if events & ~select.EPOLLOUT:
        mask |= EVENT_READ
    if events & ~select.EPOLLIN:
        mask |= EVENT_WRITE
    return mask


class Deferred:
    """An event argument computed once, when the event is first emitted."""

    __slots__ = ("_compute", "_value", "_done")

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._done = False
        self._value: Any = None

    def value(self) -> Any:
        if not self._done:
            self._value = self._compute()
            self._done = True
            self._compute = None  # type: ignore[assignment]
        return self._value


class UndeliverableError(Exception):
    """Raised by a :class:`Deferred` whose value cannot be computed: the event is
    dropped (the computation reported why)."""


def _emit(emitter: EventEmitter, event: str, *args: Any) -> None:
    if Deferred in map(type, args):
        try:
            args = tuple(a.value() if type(a) is Deferred else a for a in args)
        except UndeliverableError:
            return
    emitter.emit(event, *args)


_dropped_warned: set[str] = set()


def _warn_dropped(event: str, limit: int) -> None:
    if event not in _dropped_warned:
        _dropped_warned.add(event)
        warnings.warn(
            f"cluster: more than {limit} {event!r} events arrived before any "
            "listener and before the main script ended; dropping the oldest",
            RuntimeWarning,
            stacklevel=2,
        )


class ClusterEmitter(EventEmitter):
    """An emitter whose held events are released when a listener is added."""

    def _listener_added(self, event: str) -> None:
        loop.listener_added(self, event)

    __hash__ = object.__hash__


def crash(exc: BaseException) -> None:
    """An uncaught exception in the event context ends the process, as in Node."""
    if isinstance(exc, SystemExit):
        exit_now(exc.code if isinstance(exc.code, int) else 1)
    try:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        exit_now(1)


loop = EventLoop()
