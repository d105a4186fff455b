"""The Node-like ``process`` object: ``cluster.process`` in the primary and in workers.

Signals: a listener added for a signal name (``process.on("SIGTERM", fn)``) makes
the cluster catch that signal; ``fn(signal_name)`` then runs in the event context.
Python lets only the main thread install signal handlers, so SIGINT and SIGTERM are
routed from import time on (when nobody else handles them), and other signals
from the first listener, which must then be added on the main thread.

With no listener, a signal keeps its usual effect: SIGINT raises KeyboardInterrupt in
the main thread (which the cluster turns into a quiet death by SIGINT, as in Node),
and SIGTERM ends the process by that signal, after stdout and stderr are flushed.
"""

from __future__ import annotations

import os
import signal as _signal
import threading
from collections.abc import Mapping
from types import FrameType
from typing import Any

from . import _real
from ._ipc import Link, SendCallback
from ._loop import ClusterEmitter, exit_now, flush_stdio, loop
from ._worker import signal_number

UNCATCHABLE = {"SIGKILL", "SIGSTOP"}
IGNORED_BY_DEFAULT = {"SIGCHLD", "SIGCONT", "SIGURG", "SIGWINCH"}
ROUTED_AT_IMPORT = ("SIGINT", "SIGTERM")


def die_by_signal(signum: int) -> None:
    """End this process by ``signum`` with its default action, as if never caught."""
    flush_stdio()
    _signal.signal(signum, _signal.SIG_DFL)
    _signal.pthread_sigmask(_signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)
    exit_now(128 + signum)  # only reached for a signal whose default is to stop


class Process(ClusterEmitter):
    """Node's ``process``, as far as the cluster is concerned.

    In every process: ``pid``, ``exit(code)``, ``kill(pid, signal)`` and signal events.
    In a worker also: ``send()``, ``connected``, ``disconnect()`` and the events
    ``'message'(message, handle)`` and ``'disconnect'``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pid = os.getpid()
        #: Always None: a process that is running has not exited.
        self.exit_code: int | None = None
        self.signal_code: str | None = None
        self._link: Link | None = None
        self._routed: set[int] = set()

    # -- exiting and signals ----------------------------------------------------

    def exit(self, code: int = 0) -> None:
        """End the process now, from any thread or callback (Node's ``process.exit``)."""
        if not isinstance(code, int) or isinstance(code, bool):
            raise TypeError(f"exit code must be an int, not {code!r}")
        exit_now(code)

    def kill(self, pid: int, signal: str | int = "SIGTERM") -> None:
        """Send ``signal`` to the process ``pid`` (Node's ``process.kill``)."""
        os.kill(pid, signal_number(signal))

    def _listener_added(self, event: str) -> None:
        super()._listener_added(event)
        if event.startswith("SIG"):
            self._route(event)

    def _route(self, name: str) -> None:
        signum = signal_number(name)
        if name in UNCATCHABLE:
            raise ValueError(f"{name} cannot be caught")
        if signum in self._routed:
            return
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError(
                f"process.on({name!r}): Python installs signal handlers only on the main "
                f"thread; add the first {name} listener there (SIGINT and SIGTERM work "
                "from any thread)"
            )
        _signal.signal(signum, self._on_signal)
        self._routed.add(signum)

    def route_default_signals(self) -> None:
        """Catch SIGINT and SIGTERM from now on, where nobody else has claimed them."""
        for name in ROUTED_AT_IMPORT:
            signum = signal_number(name)
            default = _signal.default_int_handler if name == "SIGINT" else _signal.SIG_DFL
            if _signal.getsignal(signum) is default:
                self._route(name)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = _signal.Signals(signum).name
        if self.has_listeners(name):  # no lock: this interrupts the main thread anywhere
            loop.call_soon(self.emit, name, name)
        elif name == "SIGINT" and not _real.green_library_loaded():
            _signal.default_int_handler(signum, frame)
        elif name not in IGNORED_BY_DEFAULT:
            die_by_signal(signum)

    # -- the channel to the primary (workers only) ---------------------------------

    def attach(self, link: Link) -> None:
        self._link = link

    def _require_link(self, what: str) -> Link:
        if self._link is None:
            raise RuntimeError(f"process.{what}() is only available in a cluster worker")
        return self._link

    @property
    def connected(self) -> bool:
        """True while the channel to the primary is open (always False in the primary)."""
        return self._link is not None and self._link.connected

    def send(
        self,
        message: Any,
        send_handle: Any = None,
        options: Mapping[str, Any] | None = None,
        callback: SendCallback | None = None,
    ) -> bool:
        """Send a message to the primary (Node's ``process.send``).

        ``callback(error)`` runs once the message is written; without a callback, a
        closed channel is reported as an ``'error'`` event. Returns False when the
        channel is closed or its backlog is large.
        """
        return self._require_link("send").send(message, send_handle, options, callback)

    def disconnect(self) -> None:
        """Close the channel to the primary (Node's ``process.disconnect``)."""
        self._require_link("disconnect").disconnect()


#: This process as Node's ``process``: ``pid``, ``exit()``, ``kill()``, signal events;
#: in a worker also ``send()``, ``disconnect()``, ``'message'`` and ``'disconnect'``.
process = Process()
