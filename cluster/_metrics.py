"""Per-worker figures, read by the primary when asked: nothing is counted for them on
the hot path but two plain integer increments per message (:class:`cluster._ipc.Link`).

Everything else is read lazily from what the primary keeps anyway: the round-robin
routes' counters and the kernel's queue sizes (:mod:`cluster._servers`), the
supervisor's books (restarts, heartbeats), and psutil for CPU and memory.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import psutil

from . import _servers
from ._loop import loop

__all__ = ["ClusterMetrics", "WorkerMetrics", "cluster_metrics", "worker_metrics"]


@dataclass(frozen=True)
class WorkerMetrics:
    """One worker, as the primary sees it (``worker.metrics()``)."""

    #: The worker's id (``cluster.workers`` key).
    id: int
    #: Its process id.
    pid: int
    #: ``worker.state``: ``'online'``, ``'listening'``, ``'disconnected'``, ``'dead'``...
    state: str
    #: Seconds since it was forked.
    uptime: float
    #: Restarts of its supervisor slot (0 without a supervisor).
    restarts: int
    #: Why its slot's previous worker left (``'crash'``, ``'reload'``...), or None.
    last_exit_reason: str | None
    #: CPU use since the previous reading, in percent of one core (0.0 the first time).
    cpu_percent: float
    #: Resident memory, in bytes (0 when it could not be read).
    rss: int
    #: Connections the primary has handed to it (round-robin).
    connections_handed: int
    #: Connections handed to it that it has not accepted yet.
    connections_queued: int
    #: User messages the primary sent it / received from it.
    messages_sent: int
    messages_received: int
    #: Seconds since it last answered the supervisor's ping (None without a supervisor).
    heartbeat_age: float | None
    #: Seconds it has taken none of the connections handed to it (None: it keeps up).
    stalled_for: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ClusterMetrics:
    """The primary and its workers (``cluster.metrics()``)."""

    #: The primary's pid, CPU percent, RSS (bytes) and uptime (seconds).
    pid: int
    cpu_percent: float
    rss: int
    uptime: float
    #: The supervisor's wanted worker count and phase (None without a supervisor).
    wanted: int | None
    phase: str | None
    workers: tuple[WorkerMetrics, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Books(Protocol):
    """What a supervisor tells about a worker: restarts, last reason, last heartbeat."""

    def books(self, worker: Any) -> tuple[int, str | None, float | None]: ...

    def wanted_and_phase(self) -> tuple[int, str]: ...


#: The running supervisor, if any (set by ``Supervisor.start()``).
supervisor: Books | None = None
_STARTED = time.monotonic()
_primary_process: psutil.Process | None = None


def worker_metrics(worker: Any) -> WorkerMetrics:
    """``worker``'s figures; call it on the cluster's thread (``loop.run_sync``)."""
    now = time.monotonic()
    restarts, reason, answered = (
        supervisor.books(worker) if supervisor is not None else (0, None, None)
    )
    cpu, rss = _usage(worker.process)
    stalled = _servers.not_taking_since(worker)
    link = worker._link
    return WorkerMetrics(
        id=worker.id,
        pid=worker.process.pid,
        state=worker.state,
        uptime=round(now - getattr(worker, "started", now), 3),
        restarts=restarts,
        last_exit_reason=reason,
        cpu_percent=cpu,
        rss=rss,
        connections_handed=_servers.connections_handed(worker),
        connections_queued=_servers.connections_queued(worker),
        messages_sent=link.messages_sent,
        messages_received=link.messages_received,
        heartbeat_age=None if answered is None else round(now - answered, 3),
        stalled_for=None if stalled is None else round(now - stalled, 3),
    )


def cluster_metrics() -> ClusterMetrics:
    """The primary's figures and every live worker's (any thread)."""
    return loop.run_sync(_cluster_metrics)


def _cluster_metrics() -> ClusterMetrics:
    global _primary_process
    from . import _primary

    if _primary_process is None:
        _primary_process = psutil.Process(os.getpid())
    cpu, rss = _primary_usage(_primary_process)
    wanted, phase = supervisor.wanted_and_phase() if supervisor is not None else (None, None)
    workers = tuple(worker_metrics(w) for _id, w in sorted(_primary.workers.items()))
    return ClusterMetrics(
        pid=os.getpid(),
        cpu_percent=cpu,
        rss=rss,
        uptime=round(time.monotonic() - _STARTED, 3),
        wanted=wanted,
        phase=phase,
        workers=workers,
    )


def _usage(process: Any) -> tuple[float, int]:
    try:
        return _primary_usage(process.psutil)
    except (psutil.Error, OSError):
        return 0.0, 0


def _primary_usage(proc: psutil.Process) -> tuple[float, int]:
    try:
        with proc.oneshot():
            return proc.cpu_percent(None), proc.memory_info().rss
    except psutil.Error:
        return 0.0, 0
