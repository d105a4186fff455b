"""The cluster's event context: one thread per process that owns all cluster I/O.

Every cluster event and callback runs on this thread, one at a time, so user listeners
never run concurrently with each other. Other threads talk to it with
:meth:`EventLoop.call_soon` (thread-safe) and :meth:`EventLoop.run_sync`.

Node delivers no event before the main script's first run has finished, so a listener
added right after ``fork()`` hears ``'fork'``. Python's main thread runs beside this
one, so events are *held* instead: an event that fires while the main script is still
running and nobody listens to it yet waits until a listener is added or the script ends
(then, as in Node, an event nobody listens to is dropped).
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import os
import selectors
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from ._emitter import EventEmitter

T = TypeVar("T")

# Events held for one emitter before the script ends: beyond this, the oldest go.
MAX_HELD_EVENTS = 10_000


def flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


_exiting = threading.Lock()


def exit_now(code: int) -> None:
    """End the process at once from any thread, like Node's ``process.exit``: the
    ``atexit`` functions run (as Node's ``'exit'`` listeners do), other threads don't."""
    if _exiting.acquire(blocking=False):
        atexit._run_exitfuncs()
    flush_stdio()
    os._exit(code)


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
    """A selector loop on a daemon thread, started on first use."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._ready: deque[Callable[[], Any]] = deque()
        self._timers: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._woken = False
        self._selector.register(self._wake_r, selectors.EVENT_READ, self._drain_wakeups)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.script_done = False
        self._stopped = False
        self._held: dict[EventEmitter, deque[tuple[str, tuple[Any, ...]]]] = {}

    # -- the thread -------------------------------------------------------------

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                # Not a daemon: threads that callbacks start (a threading.Timer, say)
                # inherit that, and the interpreter waits for them at exit.
                self._thread = threading.Thread(target=self._run, name="cluster", daemon=False)
                self._thread.start()

    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def stop(self) -> None:
        """End the loop thread (at interpreter exit); later calls run inline."""
        self._stopped = True
        self.call_soon(lambda: None)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        while not self._stopped:
            for key, mask in self._selector.select(self._timeout()):
                self._guarded(key.data, mask)
            self._run_timers()
            self._run_ready()

    def _timeout(self) -> float | None:
        if self._ready:
            return 0
        if self._timers:
            return max(0.0, self._timers[0][0] - time.monotonic())
        return None

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
        done = threading.Event()
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
        """Call ``callback(mask)`` whenever ``fileobj`` is ready for ``events``."""
        try:
            self._selector.modify(fileobj, events, callback)
        except KeyError:
            self._selector.register(fileobj, events, callback)

    def unwatch(self, fileobj: Any) -> None:
        try:
            self._selector.unregister(fileobj)
        except (KeyError, ValueError):
            pass

    # -- holding events until someone listens -------------------------------------

    def deliver(self, emitter: EventEmitter, event: str, *args: Any) -> None:
        """Emit ``event`` on ``emitter`` now, or hold it (see the module docstring)."""
        held = self._held.get(emitter)
        if event == "error":
            emitter.emit(event, *args)  # never held: with no listener it raises at once
        elif held is not None:
            held.append((event, args))
            self._release(emitter)
        elif self.script_done or emitter.listener_count(event):
            emitter.emit(event, *args)
        else:
            self._held[emitter] = deque([(event, args)], maxlen=MAX_HELD_EVENTS)

    def _release(self, emitter: EventEmitter) -> None:
        """Emit the held events of ``emitter`` up to the first one still unheard."""
        held = self._held[emitter]
        while held:
            event, args = held[0]
            if not (self.script_done or emitter.listener_count(event)):
                return
            held.popleft()
            emitter.emit(event, *args)
        del self._held[emitter]

    def listener_added(self, emitter: EventEmitter) -> None:
        if emitter in self._held:
            self.call_soon(self._release_if_held, emitter)

    def _release_if_held(self, emitter: EventEmitter) -> None:
        if emitter in self._held:
            self._release(emitter)

    def end_of_script(self) -> None:
        """The main script has finished: deliver what was held; hold nothing from now on."""

        def release_all() -> None:
            self.script_done = True
            for emitter in list(self._held):
                self._release(emitter)

        self.run_sync(release_all)


class ClusterEmitter(EventEmitter):
    """An emitter whose held events are released when a listener is added."""

    def _listener_added(self, event: str) -> None:
        loop.listener_added(self)

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
