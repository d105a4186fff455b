"""Node's EventEmitter semantics on top of pyee.

Every emitter in the package (the module, each ``Worker``, ``process``) is an instance
of :class:`EventEmitter`, a thin subclass of ``pyee.EventEmitter`` that behaves like
Node's where pyee differs: a function added twice is called twice, ``off`` removes the
most recently added copy, ``listeners()`` and ``event_names()`` are ordered lists, and
``prepend_listener``, ``listener_count`` and the max-listeners warning exist.

pyee keeps listeners in ``self._events[event]``, an ordered dict from a key to the
callable that ``emit`` runs. pyee keys it by the user's function, which folds
duplicates; here every registration gets a key of its own (a :class:`_Registration`),
so pyee's ``emit`` and its locking are reused unchanged.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pyee

__all__ = ["EventEmitter"]

Listener = Callable[..., Any]

DEFAULT_MAX_LISTENERS = 10


class MaxListenersExceededWarning(RuntimeWarning):
    """Like Node's warning of the same name: probably a listener leak."""


class _Registration:
    """One call to ``on``/``once``: the user's function, unique per call."""

    __slots__ = ("listener",)

    def __init__(self, listener: Listener) -> None:
        self.listener = listener


class EventEmitter(pyee.EventEmitter):
    """A pyee ``EventEmitter`` that behaves like Node's ``EventEmitter``."""

    _events: dict[str, OrderedDict[Any, Listener]]

    def __init__(self) -> None:
        super().__init__()
        self._max_listeners = DEFAULT_MAX_LISTENERS
        self._warned: set[str] = set()

    # -- adding -----------------------------------------------------------------

    def _add_event_handler(self, event: str, k: Callable[..., Any], v: Callable[..., Any]) -> None:
        self._register(event, k, v, prepend=False)

    def _register(
        self, event: str, listener: Listener, run: Listener, *, prepend: bool
    ) -> _Registration:
        self.emit("new_listener", event, listener)
        registration = _Registration(listener)
        with self._lock:
            slots = self._events.setdefault(event, OrderedDict())
            slots[registration] = run
            if prepend:
                slots.move_to_end(registration, last=False)
            count = len(slots)
        self._check_max_listeners(event, count)
        self._listener_added(event)
        return registration

    def _listener_added(self, event: str) -> None:
        """Hook for subclasses: a listener for ``event`` was just added."""

    def _once_wrapper(self, event: str, listener: Listener, *, prepend: bool) -> Listener:
        registration: _Registration | None = None

        def run_once(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                slots = self._events.get(event)
                if slots is None or registration is None or registration not in slots:
                    return None  # removed while an emit was already under way
                self._drop(event, registration)
            return listener(*args, **kwargs)

        registration = self._register(event, listener, run_once, prepend=prepend)
        return listener

    def once(self, event: str, f: Listener | None = None) -> Any:
        """Add ``f`` to be called the next time ``event`` fires only."""
        if f is None:
            return lambda g: self._once_wrapper(event, g, prepend=False)
        return self._once_wrapper(event, f, prepend=False)

    def prepend_listener(self, event: str, f: Listener) -> Listener:
        """Add ``f`` before every listener already registered for ``event``."""
        self._register(event, f, f, prepend=True)
        return f

    def prepend_once_listener(self, event: str, f: Listener) -> Listener:
        """``prepend_listener`` for one call only."""
        return self._once_wrapper(event, f, prepend=True)

    # -- removing ---------------------------------------------------------------

    def _drop(self, event: str, registration: _Registration) -> None:
        slots = self._events[event]
        del slots[registration]
        if not slots:
            del self._events[event]

    def _remove_listener(self, event: str, f: Callable[..., Any]) -> None:
        slots = self._events.get(event)
        if not slots:
            return
        for registration in reversed(list(slots)):
            if registration.listener is f:
                self._drop(event, registration)
                return

    def off(self, event: str, f: Listener) -> None:
        """Remove the most recently added copy of ``f`` from ``event``."""
        self.remove_listener(event, f)

    # -- emitting ---------------------------------------------------------------

    def emit(self, event: str, *args: Any, **kwargs: Any) -> bool:
        """pyee's ``emit`` in one function: messages are emitted many thousand times a
        second. Listeners added or removed by a listener take effect at the next emit."""
        with self._lock:
            slots = self._events.get(event)
            funcs = list(slots.values()) if slots else None
        if not funcs:
            self._emit_handle_potential_error(event, args[0] if args else None)
            return False
        for f in funcs:
            f(*args, **kwargs)
        return True

    # -- reading ----------------------------------------------------------------

    def listeners(self, event: str) -> list[Listener]:
        """The functions registered for ``event``, in call order."""
        with self._lock:
            return [registration.listener for registration in self._events.get(event, ())]

    def listener_count(self, event: str) -> int:
        """How many registrations ``event`` has (a function added twice counts twice)."""
        with self._lock:
            return len(self._events.get(event, ()))

    def has_listeners(self, event: str) -> bool:
        """``listener_count(event) > 0``, without taking the lock (a hot path)."""
        return bool(self._events.get(event))

    def event_names(self) -> list[str]:  # type: ignore[override]
        """Events that have listeners, in the order they were first added."""
        with self._lock:
            return [event for event, slots in self._events.items() if slots]

    # -- the leak warning -------------------------------------------------------

    def set_max_listeners(self, n: int) -> EventEmitter:
        """Warn when an event gets more than ``n`` listeners (0: never)."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"set_max_listeners: n must be a non-negative int, not {n!r}")
        self._max_listeners = n
        return self

    def get_max_listeners(self) -> int:
        """The limit :meth:`set_max_listeners` set (10 by default, as in Node)."""
        return self._max_listeners

    def _check_max_listeners(self, event: str, count: int) -> None:
        limit = self._max_listeners
        if limit and count > limit and event not in self._warned:
            self._warned.add(event)
            warnings.warn(
                f"{count} {event!r} listeners added to {type(self).__name__}: possible "
                f"listener leak (the limit is {limit}; raise it with set_max_listeners)",
                MaxListenersExceededWarning,
                stacklevel=4,
            )
