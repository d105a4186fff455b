"""The primary's side of the cluster (Node's ``lib/internal/cluster/primary.js``).

All state here (``workers``, ``settings``, each worker's channel) is changed on the
event loop's thread only; public calls from other threads are run there with
:meth:`EventLoop.run_sync`.
"""

from __future__ import annotations

import itertools
import os
import signal as _signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from selectors import EVENT_READ
from typing import Any

import psutil

from . import _metrics, _real, _servers
from ._emitter import EventEmitter
from ._ipc import Link, SendCallback
from ._loop import ClusterEmitter, loop
from ._settings import defaults, stdio_for_popen, validate
from ._worker import Worker, signal_number

BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bootstrap.py")

#: The module-level emitter: ``cluster.on(...)`` and friends are its methods.
emitter = ClusterEmitter()
#: Live workers by id (``cluster.workers``).
workers: dict[int, PrimaryWorker] = {}
#: The settings in force (``cluster.settings``); replaced by each ``setup_primary``.
settings: dict[str, Any] = {}

_ids = itertools.count(1)
_intercom = EventEmitter()  # 'disconnect'(worker) after the user's listeners heard it
_running: set[PrimaryWorker] = set()  # started, and not yet both exited and disconnected
_idle = _real.Event()  # set while nothing keeps the primary alive
_idle.set()
_initialized = False


# -- settings ------------------------------------------------------------------------


def setup_primary(**options: Any) -> None:
    """Change how ``fork()`` starts workers (Node's ``cluster.setupPrimary()``).

    Settings: ``exec``, ``args``, ``exec_argv``, ``cwd``, ``silent``, ``stdio``, ``uid``,
    ``gid``, ``serialization``, and ``scheduler`` (beyond Node: which worker the primary
    hands a connection to under ``SCHED_RR``; see docs/schedulers.md). They merge over
    the settings in force; emits ``'setup'``. A server takes the scheduler in force
    when it is first bound.
    """
    validate(options)
    loop.run_sync(lambda: _apply_settings(options))


def _apply_settings(options: Mapping[str, Any]) -> dict[str, Any]:
    global settings, _initialized
    new = {
        **defaults(),
        **settings,
        **options,
    }
    settings = new
    if not _initialized:
        _initialized = True
        from . import _freeze_scheduling_policy

        _freeze_scheduling_policy()
    loop.call_soon(loop.deliver, emitter, "setup", dict(new))
    return new


# -- starting a worker ------------------------------------------------------------------


def _command(current: Mapping[str, Any]) -> list[str]:
    target = current["exec"]
    if target is None:
        raise RuntimeError(
            "fork(): the primary was not started from a script or with -m, so there is no "
            "program to run in the worker; say which with setup_primary(exec=...)"
        )
    target = os.fspath(target)
    exec_target = ["-m", target[3:].strip()] if target.startswith("-m ") else [target]
    return [sys.executable, *current["exec_argv"], BOOTSTRAP, *exec_target, *current["args"]]


def _spawn(
    worker_id: int, env: Mapping[str, Any] | None
) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """Start the worker process; runs on the loop thread, which lives as long as the
    primary (so the worker's parent-death signal fires only when the primary dies)."""
    current = settings
    ours, theirs = _real.socketpair()
    try:
        child_env = {**os.environ, **{str(k): str(v) for k, v in (env or {}).items()}}
        child_env.update(
            NODE_UNIQUE_ID=str(worker_id),
            NODE_CHANNEL_FD=str(theirs.fileno()),
            NODE_CHANNEL_SERIALIZATION_MODE=current.get("serialization", "json"),
        )
        if current.get("stdio") is not None:
            stdin, stdout, stderr = stdio_for_popen(current["stdio"])
        elif current["silent"]:
            stdin = stdout = stderr = subprocess.PIPE
        else:
            stdin = stdout = stderr = None
        popen = _real.Popen(
            _command(current),
            env=child_env,
            cwd=current.get("cwd"),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            pass_fds=(theirs.fileno(),),
            user=current.get("uid"),
            group=current.get("gid"),
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    return popen, ours


def fork(env: Mapping[str, Any] | None = None) -> PrimaryWorker:
    """Start a new worker process and return its :class:`Worker` (Node's
    ``cluster.fork()``). ``env`` is merged over ``os.environ``; values become ``str``."""
    if env is not None and not isinstance(env, Mapping):
        raise TypeError(f"fork(env): env must be a mapping, not {type(env).__name__}")
    strings = {str(name): str(value) for name, value in (env or {}).items()}
    for name, value in strings.items():
        if not name or "=" in name or "\0" in name or "\0" in value:
            raise ValueError(f"fork(env): invalid environment variable {name!r}={value!r}")
    return loop.run_sync(lambda: _fork(strings))


def _fork(env: Mapping[str, Any] | None) -> PrimaryWorker:
    _apply_settings({})
    worker_id = next(_ids)
    popen, sock = _spawn(worker_id, env)
    worker = PrimaryWorker(worker_id, popen, sock, settings.get("serialization", "json"))
    workers[worker_id] = worker
    _running.add(worker)
    _idle.clear()
    loop.call_soon(loop.deliver, emitter, "fork", worker)
    return worker


# -- the worker's process, as the primary sees it --------------------------------------


class WorkerProcess:
    """A worker's process seen from the primary (Node's ``ChildProcess``).

    ``pid``, ``exit_code``/``signal_code`` once it has exited, ``connected``,
    ``kill(signal)``, ``send()``, ``disconnect()`` (closes the raw channel),
    ``stdin``/``stdout``/``stderr`` (pipes when ``silent``), and ``psutil``: the
    ``psutil.Process`` for metrics (CPU, memory, open files...).
    """

    def __init__(self, popen: subprocess.Popen[bytes], link: Link) -> None:
        self._popen = popen
        self._link = link
        self.pid = popen.pid
        self.stdin, self.stdout, self.stderr = popen.stdin, popen.stdout, popen.stderr
        self.exit_code: int | None = None
        self.signal_code: str | None = None
        self._pidfd: int | None = os.pidfd_open(popen.pid)
        self._psutil: psutil.Process | None = None

    def __repr__(self) -> str:
        return (
            f"<WorkerProcess pid={self.pid} exit_code={self.exit_code} signal={self.signal_code}>"
        )

    @property
    def connected(self) -> bool:
        return self._link.connected

    @property
    def psutil(self) -> psutil.Process:
        """``psutil.Process`` of the worker, for metrics."""
        if self._psutil is None:
            self._psutil = psutil.Process(self.pid)
        return self._psutil

    def kill(self, signal: str | int = "SIGTERM") -> bool:
        """Send ``signal`` to the worker; False if it has already exited."""
        signum = signal_number(signal)
        if self._pidfd is None:
            return False
        _signal.pidfd_send_signal(self._pidfd, signum)
        return True

    def send(
        self,
        message: Any,
        send_handle: Any = None,
        options: Mapping[str, Any] | None = None,
        callback: SendCallback | None = None,
    ) -> bool:
        return self._link.send(message, send_handle, options, callback)

    def disconnect(self) -> None:
        """Close the channel itself; the worker exits (Node's ``subprocess.disconnect``)."""
        self._link.disconnect()

    def _reap(self) -> None:
        """The process has exited: collect its status (loop thread)."""
        assert self._pidfd is not None
        loop.unwatch(self._pidfd)
        os.close(self._pidfd)
        self._pidfd = None
        code = self._popen.wait()
        if code < 0:
            self.signal_code = _signal.Signals(-code).name
        else:
            self.exit_code = code


# -- the Worker, primary side -----------------------------------------------------------


class PrimaryWorker(Worker):
    """A :class:`Worker` as the primary sees it."""

    process: WorkerProcess
    _link: Link

    def __init__(
        self,
        worker_id: int,
        popen: subprocess.Popen[bytes],
        sock: socket.socket,
        serialization: str,
    ) -> None:
        super().__init__(id=worker_id)
        #: When it was started (``time.monotonic()``): its uptime in the metrics.
        self.started = time.monotonic()
        link = Link(
            sock,
            serialization,
            on_message=self._on_message,
            on_internal=self._on_internal,
            on_disconnect=self._on_disconnect,
            on_error=lambda exc: loop.deliver(self, "error", exc),
        )
        self._link = link
        self.process = WorkerProcess(popen, link)
        link.channel.start()
        loop.watch(self.process._pidfd, EVENT_READ, lambda _mask: self._on_exit())

    def metrics(self) -> _metrics.WorkerMetrics:
        return loop.run_sync(lambda: _metrics.worker_metrics(self))

    # -- what arrives from the worker --

    def _on_message(self, message: Any, handle: socket.socket | None) -> None:
        # Node's cluster listens to the worker's 'message' before any user code does.
        loop.deliver_pair("message", emitter, (self, message, handle), self, (message, handle))

    def _on_internal(self, message: dict[str, Any], handle: socket.socket | None) -> None:
        act = message.get("act")
        if act == "online":
            self.state = "online"
            loop.deliver_pair("online", self, (), emitter, (self,))
        elif act == "exitedAfterDisconnect":
            self.exited_after_disconnect = True
            self._link.send_internal({"ack": message.get("seq")})
        else:
            _servers.on_internal(self, message, handle)

    def _on_disconnect(self) -> None:
        _servers_forget(self)
        if self.is_dead():
            _remove_worker(self)
        self.exited_after_disconnect = bool(self.exited_after_disconnect)
        self.state = "disconnected"
        loop.deliver_pair("disconnect", self, (), emitter, (self,))
        _intercom.emit("disconnect", self)
        _maybe_idle(self)

    def _on_exit(self) -> None:
        self.process._reap()
        self._link.channel.drain_and_close()  # messages first, then 'disconnect'
        self._emit_exit()

    def _emit_exit(self) -> None:
        if not self.is_connected():
            _servers_forget(self)
            _remove_worker(self)
        self.exited_after_disconnect = bool(self.exited_after_disconnect)
        self.state = "dead"
        code, sig = self.process.exit_code, self.process.signal_code
        loop.deliver_pair("exit", self, (code, sig), emitter, (self, code, sig))
        _maybe_idle(self)

    # -- what the primary asks of it --

    def disconnect(self) -> PrimaryWorker:
        """Ask the worker to close its servers and its channel, then exit (Node's
        ``worker.disconnect()``): connections it has are served to the end."""
        loop.run_sync(self._disconnect)
        return self

    def _disconnect(self) -> None:
        self.exited_after_disconnect = True
        self._link.send_internal({"act": "disconnect"})
        _servers_forget(self, gone=False)
        _remove_worker(self)

    def destroy(self, signal: str | int = "SIGTERM") -> None:
        """Send the worker ``signal`` (Node's ``worker.kill()``/``destroy()`` in the
        primary: Node 20 signals at once, without disconnecting first, so
        ``exited_after_disconnect`` ends up False)."""
        self.process.kill(signal)


def _servers_forget(worker: PrimaryWorker, gone: bool = True) -> None:
    _servers.remove_worker(worker, gone)


def _remove_worker(worker: PrimaryWorker) -> None:
    workers.pop(worker.id, None)


def _maybe_idle(worker: PrimaryWorker) -> None:
    if worker.is_dead() and not worker.is_connected():
        _running.discard(worker)
    _check_idle()


def _check_idle() -> None:
    if not _running and not _servers.has_handles():
        _idle.set()


def keep_servers_open(keep: bool) -> None:
    """While ``keep``, a server whose workers have all gone stays open for the next
    worker (the supervisor's restarts); then servers nobody serves close (loop thread)."""
    _servers.keep_open(keep)
    _check_idle()


def disconnect(callback: Callable[[], Any] | None = None) -> None:
    """Disconnect every worker; ``callback()`` once all have (``cluster.disconnect()``).

    Node 20 calls ``callback`` when the first worker *exits*; this calls it once every
    worker's ``'disconnect'`` has been emitted, as Node's documentation says.
    """
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, not {type(callback).__name__}")
    loop.run_sync(lambda: _disconnect_all(callback))


def _disconnect_all(callback: Callable[[], Any] | None) -> None:
    pending = {worker for worker in _running if worker.is_connected()}
    for worker in pending:
        worker._disconnect()
    if callback is None:
        return
    if not pending:
        loop.call_soon(callback)
        return

    def one_disconnected(worker: PrimaryWorker) -> None:
        pending.discard(worker)
        if not pending:
            _intercom.remove_listener("disconnect", one_disconnected)
            callback()

    _intercom.on("disconnect", one_disconnected)


# -- the primary's lifetime ---------------------------------------------------------------


def wait_until_idle() -> None:
    """Block (the main thread, at exit) while workers or servers keep the primary alive."""
    _idle.wait()
