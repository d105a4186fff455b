"""Node.js's ``cluster`` module for Python: one primary, many worker processes, shared ports.

::

    import cluster

    if cluster.is_primary:
        for _ in range(cluster.available_parallelism()):
            cluster.fork()
    else:
        ...  # every worker runs this: serve, compute, send messages

Like Node's ``lib/cluster.js``, importing the package picks a side: a process started by
``fork()`` finds ``NODE_UNIQUE_ID`` and its channel in the environment and becomes a
worker; any other process is the primary. The module itself is an event emitter
(``cluster.on("exit", ...)``), as Node's is.
"""

from __future__ import annotations

import os
import signal as _signal
import socket as _socket
import sys
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import _child
from ._channel import ChannelClosedError
from ._listen import exclusive
from ._loop import at_script_end as _at_script_end
from ._loop import loop as _event_loop
from ._parallelism import available_parallelism
from ._process import Process, die_by_signal, process
from ._worker import Address, Worker

if TYPE_CHECKING:
    from ._metrics import ClusterMetrics

__all__ = [
    "SCHED_NONE",
    "SCHED_REUSEPORT",
    "SCHED_RR",
    "Address",
    "ChannelClosedError",
    "Process",
    "Worker",
    "available_parallelism",
    "disconnect",
    "exclusive",
    "fork",
    "is_master",
    "is_primary",
    "is_worker",
    "metrics",
    "process",
    "scheduling_policy",
    "setup_primary",
    "supervise",
    "worker",
    "workers",
]

#: Hand connections out round-robin from the primary (the default, as in Node).
SCHED_RR = 2
#: Share the listening socket; workers accept for themselves.
SCHED_NONE = 1
#: Linux: one ``SO_REUSEPORT`` socket per worker; the kernel balances, and the primary
#: hands on what is queued for a worker that leaves.
SCHED_REUSEPORT = 3
_POLICIES = {"rr": SCHED_RR, "none": SCHED_NONE, "reuseport": SCHED_REUSEPORT}

#: True in a process started by ``fork()``.
is_worker: bool = _child.is_worker_environment()
if not is_worker:  # a worker never needs the primary's half (nor its imports: start-up)
    from . import _primary
#: True in the process that forks (Node's ``cluster.isPrimary``).
is_primary: bool = not is_worker
#: Deprecated spelling of ``is_primary``, as in Node.
is_master: bool = is_primary


def _policy_from_environment() -> int:
    """``NODE_CLUSTER_SCHED_POLICY`` (or its twin ``CLUSTER_SCHED_POLICY``): rr, none
    or reuseport."""
    for name in ("CLUSTER_SCHED_POLICY", "NODE_CLUSTER_SCHED_POLICY"):
        value = os.environ.get(name, "").strip().lower()
        if value in _POLICIES:
            return _POLICIES[value]
    return SCHED_RR


#: How connections are spread over workers: ``SCHED_RR``, ``SCHED_NONE`` or
#: ``SCHED_REUSEPORT``. Set it before
#: the first ``fork()``/``setup_primary()``; it is frozen then, as in Node.
scheduling_policy: int = _policy_from_environment()
_policy_at_import = scheduling_policy
_frozen_policy: int | None = None


def _freeze_scheduling_policy() -> int:
    global _frozen_policy
    if _frozen_policy is None:
        module = sys.modules[__name__]
        camel = getattr(module, "schedulingPolicy", _policy_at_import)
        policy = camel if camel != _policy_at_import else module.scheduling_policy
        if policy not in _POLICIES.values() or isinstance(policy, bool):
            raise ValueError(
                f"bad cluster.scheduling_policy: {policy!r} "
                "(SCHED_RR, SCHED_NONE or SCHED_REUSEPORT)"
            )
        if policy == SCHED_REUSEPORT and not hasattr(_socket, "SO_REUSEPORT"):
            raise ValueError("cluster.SCHED_REUSEPORT needs SO_REUSEPORT (Linux)")
        _frozen_policy = policy
    return _frozen_policy


# -- the module is an event emitter ---------------------------------------------------------

_emitter = _child.emitter if is_worker else _primary.emitter
on = _emitter.on
once = _emitter.once
off = _emitter.off
emit = _emitter.emit
add_listener = _emitter.add_listener
remove_listener = _emitter.remove_listener
remove_all_listeners = _emitter.remove_all_listeners
prepend_listener = _emitter.prepend_listener
prepend_once_listener = _emitter.prepend_once_listener
listeners = _emitter.listeners
listener_count = _emitter.listener_count
event_names = _emitter.event_names
set_max_listeners = _emitter.set_max_listeners
get_max_listeners = _emitter.get_max_listeners


# -- the primary's API ------------------------------------------------------------------------

#: Live workers by id (primary only; empty in a worker).
workers: dict[int, Worker] = {} if is_worker else _primary.workers  # type: ignore[assignment]
#: This process's :class:`Worker` (worker only; None in the primary).
worker: Worker | None = None


def fork(env: Mapping[str, Any] | None = None) -> Worker:
    """Start a worker: a new interpreter that runs this program again (Node's
    ``cluster.fork()``). ``env`` is merged over ``os.environ`` (values ``str()``-ed).
    Returns its :class:`Worker`. ``RuntimeError`` in a worker; ``TypeError`` or
    ``ValueError`` for a bad ``env``, and then no worker is started."""
    if is_worker:
        raise RuntimeError("cluster.fork() can only be called in the primary")
    return _primary.fork(env)


def setup_primary(**settings: Any) -> None:
    """Change how ``fork()`` starts workers (Node's ``cluster.setupPrimary()``).

    Settings: ``exec`` (a script path, or ``"-m module"``), ``args``, ``exec_argv``,
    ``cwd``, ``silent``, ``stdio``, ``uid``, ``gid``, ``serialization`` (``"json"`` or
    ``"advanced"``). They merge over the settings in force, and ``'setup'`` is emitted.
    An unknown setting raises ``TypeError`` and a bad value ``ValueError``, naming it;
    a refused call changes nothing."""
    if is_worker:
        raise RuntimeError("cluster.setup_primary() can only be called in the primary")
    _primary.setup_primary(**settings)


def disconnect(callback: Callable[[], Any] | None = None) -> None:
    """Disconnect every worker; ``callback()`` once all have (Node's ``cluster.disconnect``)."""
    if is_worker:
        raise RuntimeError("cluster.disconnect() can only be called in the primary")
    _primary.disconnect(callback)


def supervise(workers: int | str = "max", **options: Any) -> int:
    """Keep ``workers`` workers serving until SIGTERM/SIGINT or ``stop()``: restarts
    with backoff, rolling reloads on SIGHUP, recycling, stuck-worker kills (see
    :class:`cluster.supervisor.Supervisor` for the options). Blocks; returns the exit
    status (0, or 1 after giving up on a crash loop). Primary only, main thread."""
    if is_worker:
        raise RuntimeError("cluster.supervise() can only be called in the primary")
    from .supervisor import supervise as run

    return run(workers, **options)


def metrics() -> ClusterMetrics:
    """The primary's own figures and every live worker's, as a frozen
    :class:`ClusterMetrics` (see docs/watching.md). Primary only."""
    if is_worker:
        raise RuntimeError("cluster.metrics() can only be called in the primary")
    from ._metrics import cluster_metrics

    return cluster_metrics()


#: The settings in force (Node's ``cluster.settings``): ``{}`` until the first
#: ``setup_primary()`` or ``fork()``. (Served by ``__getattr__``: each call replaces it.)
settings: dict[str, Any]


def __getattr__(name: str) -> Any:
    if name == "settings":
        return {} if is_worker else _primary.settings
    if name in ("ClusterMetrics", "WorkerMetrics"):  # not imported by workers: psutil
        from . import _metrics

        return getattr(_metrics, name)
    raise AttributeError(f"module 'cluster' has no attribute {name!r}")


# camelCase spellings, for code copied from Node.
isPrimary = is_primary  # noqa: N816
isWorker = is_worker  # noqa: N816
isMaster = is_master  # noqa: N816
schedulingPolicy = scheduling_policy  # noqa: N816
setupPrimary = setup_primary  # noqa: N816
setupMaster = setup_primary  # noqa: N816


# -- the process's lifetime -----------------------------------------------------------------

_crashed = False
_python_excepthook = sys.excepthook


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Ctrl+C ends the primary quietly, by SIGINT, as Node's; a crash ends it at once."""
    global _crashed
    if issubclass(kind, KeyboardInterrupt):
        die_by_signal(_signal.SIGINT)
    _crashed = True
    _python_excepthook(kind, exc, tb)


def _primary_at_exit() -> None:
    """After the main script: live on while workers or servers do, as Node's primary;
    then end the cluster's thread, so that the interpreter can exit."""
    if _event_loop._thread is None:
        return
    try:
        if not _crashed:
            _event_loop.end_of_script()
            _primary.wait_until_idle()
        _event_loop.stop()
    except KeyboardInterrupt:
        die_by_signal(_signal.SIGINT)


if threading.current_thread() is threading.main_thread():
    process.route_default_signals()
if is_worker:
    worker = _child.setup_worker()
    _at_script_end(_event_loop.stop)
else:
    sys.excepthook = _excepthook
    _at_script_end(_primary_at_exit)
