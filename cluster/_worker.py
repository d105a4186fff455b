"""The ``Worker`` object, shared by both sides (Node's ``lib/internal/cluster/worker.js``).

The primary's and the worker's halves extend it (:mod:`cluster._primary`,
:mod:`cluster._child`), as Node extends ``Worker.prototype`` in each.
"""

from __future__ import annotations

import signal as _signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._ipc import Link, SendCallback
from ._loop import ClusterEmitter

if TYPE_CHECKING:
    from ._metrics import WorkerMetrics

__all__ = ["Address", "Worker", "signal_number"]


@dataclass(frozen=True)
class Address:
    """Where a worker's server listens: the ``'listening'`` event's argument.

    ``address_type`` is 4 or 6 for TCP, -1 for a Unix socket (``address`` is then its
    path and ``port`` None), ``"udp4"``/``"udp6"`` for UDP, as in Node.
    """

    #: The host (``"0.0.0.0"``, ``"::"``...) or, for a Unix socket, its path.
    address: str | None
    #: The port (None for a Unix socket).
    port: int | None
    #: 4, 6, -1 (Unix socket), ``"udp4"`` or ``"udp6"``.
    address_type: int | str
    #: Always None (Node's servers listening on a file descriptor).
    fd: int | None = None

    @property
    def addressType(self) -> int | str:  # noqa: N802
        return self.address_type


def signal_number(sig: str | int) -> int:
    """``"SIGTERM"``, ``15`` or ``signal.SIGTERM`` as a number; ``ValueError`` otherwise."""
    if isinstance(sig, str):
        try:
            return int(_signal.Signals[sig])
        except KeyError:
            raise ValueError(f"unknown signal: {sig!r}") from None
    if isinstance(sig, int) and not isinstance(sig, bool):
        try:
            return int(_signal.Signals(sig))
        except ValueError:
            raise ValueError(f"unknown signal number: {sig!r}") from None
    raise TypeError(f"signal must be a name such as 'SIGTERM' or a number, not {sig!r}")


class Worker(ClusterEmitter):
    """A worker process, as seen from the primary (``cluster.workers``) or from itself
    (``cluster.worker``). Node's ``Worker``.

    Events: ``'online'``, ``'listening'(address)``, ``'message'(message, handle)``,
    ``'disconnect'``, ``'exit'(code, signal)``, ``'error'(exc)``.
    """

    #: The channel to the other side (set by each side's subclass; None in a Worker made
    #: by hand, as Node's ``new Worker()`` has no process).
    _link: Link | None = None

    def __init__(self, id: int = 0, process: Any = None, state: str = "none") -> None:
        super().__init__()
        #: The worker's id, from 1 (``NODE_UNIQUE_ID``); the key in ``cluster.workers``.
        self.id = id
        #: The worker's process: ``pid``, ``kill()``, ``exit_code``, ``signal_code``...
        self.process = process
        #: ``'none'``, ``'online'``, ``'listening'``, ``'disconnected'``, ``'dead'``...
        self.state = state
        #: True once the worker left through ``disconnect()`` (either side) or its own
        #: ``kill()``; False for any other way out; None before (Node's
        #: ``worker.exitedAfterDisconnect``).
        self.exited_after_disconnect: bool | None = None

    def __repr__(self) -> str:
        pid = getattr(self.process, "pid", None)
        return f"<Worker id={self.id} pid={pid} state={self.state}>"

    def send(
        self,
        message: Any,
        send_handle: Any = None,
        options: Mapping[str, Any] | None = None,
        callback: SendCallback | None = None,
    ) -> bool:
        """Send a message to the other side; ``callback(error)`` once it is written.

        Node's ``worker.send()``. Returns False when the channel is closed or its backlog
        is large. A message that cannot be serialized raises ``TypeError`` here.
        """
        if self._link is None:
            raise RuntimeError("this Worker has no channel: it was not made by cluster.fork()")
        return self._link.send(message, send_handle, options, callback)

    def kill(self, signal: str | int = "SIGTERM") -> None:
        """End the worker (Node's ``worker.kill()``). In the primary: send it ``signal``
        (Node 20 does not disconnect first). In the worker: tell the primary, disconnect
        and exit 0."""
        self.destroy(signal)

    def destroy(self, signal: str | int = "SIGTERM") -> None:
        """The same as :meth:`kill` (Node's ``worker.destroy()``)."""
        raise NotImplementedError

    def disconnect(self) -> Worker:
        """Close the worker's servers (connections in flight finish), then its channel;
        then it exits (Node's ``worker.disconnect()``). Returns the worker."""
        raise NotImplementedError

    def metrics(self) -> WorkerMetrics:
        """This worker's figures as the primary keeps them (pid, state, uptime, CPU,
        RSS, connections, messages...): a :class:`cluster.WorkerMetrics`. Primary only."""
        raise RuntimeError("worker.metrics() can only be called in the primary")

    def is_dead(self) -> bool:
        """True once the worker's process has exited (Node's ``worker.isDead()``)."""
        return self.process.exit_code is not None or self.process.signal_code is not None

    def is_connected(self) -> bool:
        """True while the channel to the primary is open (``worker.isConnected()``)."""
        return bool(self.process.connected)

    # camelCase spellings, so that code copied from Node reads naturally.
    def isDead(self) -> bool:  # noqa: N802
        return self.is_dead()

    def isConnected(self) -> bool:  # noqa: N802
        return self.is_connected()

    @property
    def exitedAfterDisconnect(self) -> bool | None:  # noqa: N802
        return self.exited_after_disconnect
