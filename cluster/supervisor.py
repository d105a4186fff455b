"""The production supervisor: N workers kept alive, reloaded, recycled and stopped well.

Built on the public API (``fork()``, the workers' events, ``disconnect()``,
``kill()``) beside the Node-faithful core, as gunicorn's arbiter or PM2's cluster
mode, with the lessons of their issue trackers (docs/production.md)::

    import cluster

    if cluster.is_primary:
        cluster.supervise(workers=4, max_requests=10_000)
    else:
        serve()

or, for an unmodified server program, ``python -m cluster -w 4 app.py``.

The workers sit in *slots* (0 to N-1). A slot keeps its restart count and its backoff;
a worker that replaces another (reload, recycling) takes its slot. Every replacement
is *ready-gated*: the new worker is started, and only once it is ready (it listens on
as many addresses as its predecessors, or is online when ``ready="online"``) is the
old one taken out of the rotation and drained with ``disconnect()``. The primary owns
every listening socket, so no connection is refused or reset on the way.

All the supervisor's state lives on the cluster's event thread; its public methods
may be called from any thread and from signal listeners.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

from . import _metrics, _primary, _prometheus, _servers, _systemd
from ._control import ControlServer, default_path
from ._emitter import EventEmitter
from ._loop import Timer, loop
from ._output import PrefixedOutput
from ._process import process
from ._restart_policy import Backoff, BootFailures, exit_kind
from ._units import seconds, size_bytes, worker_count
from ._worker import Worker

__all__ = ["Supervisor", "supervise"]

log = logging.getLogger("cluster.supervisor")

READY_ON = ("listening", "online")
# The kernel may deliver a signal to any thread, and Python runs its handler on the
# main thread only when that thread next runs bytecode: the main thread waits in
# slices this long, so that SIGHUP or SIGTERM is acted on within it.
SIGNAL_LATENCY = 0.1
#: Why a worker left; ``'exit'``'s last argument, and ``describe()``'s ``last_exit_reason``.
REASONS = ("crash", "boot", "exit", "stuck", "reload", "recycle", "scale", "stop")


@dataclass(eq=False)
class _Member:
    """One worker process under supervision."""

    worker: Worker
    slot: int
    generation: int
    started: float
    expected_servers: int
    request_limit: int | None
    replaces: _Member | None = None
    replaced_by: _Member | None = None
    ready_at: float | None = None
    listening: int = 0
    leaving: str | None = None  # why the supervisor asked it to go
    recycle: str | None = None  # why it should be replaced (max-requests, ...)
    rss_strikes: int = 0
    answered_at: float = 0.0
    timers: list[Timer] = field(default_factory=list)

    def cancel_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


@dataclass(eq=False)
class _Slot:
    index: int
    backoff: Backoff
    member: _Member | None = None
    restarts: int = 0
    last_exit_reason: str | None = None
    restart_timer: Timer | None = None


class Supervisor(EventEmitter):
    """Keeps ``workers`` workers serving; see the module docstring and docs/production.md.

    Events (Node's style; listeners run on the cluster's event thread):
    ``'spawn'(worker, reason)``, ``'ready'(worker)``, ``'exit'(worker, code, signal,
    reason)``, ``'stuck'(worker)``, ``'reloadStart'()``, ``'reloadEnd'(completed)``,
    ``'scale'(new, old)``, ``'giveUp'(message)``, ``'stopping'()`` (the workers are
    told to drain), ``'stop'(status)`` (they have all exited).
    """

    def __init__(
        self,
        workers: int | str = "max",
        *,
        ready: str = "listening",
        ready_timeout: float | str = 30.0,
        graceful_timeout: float | str = 25.0,
        timeout: float | str = 30.0,
        abort_grace: float | str = 3.0,
        max_requests: int = 0,
        max_requests_jitter: int = 0,
        max_memory: int | str | None = None,
        memory_samples: int = 3,
        max_age: float | str | None = None,
        backoff: float | str = 0.1,
        backoff_max: float | str = 15.0,
        min_uptime: float | str = 5.0,
        max_boot_failures: int = 5,
        crash_window: float | str = 60.0,
        reload_batch: int = 1,
        check_interval: float | str = 1.0,
        prefix_output: bool = False,
        handle_signals: bool = True,
        control: bool | str = False,
        metrics: str | None = None,
    ) -> None:
        super().__init__()
        self._wanted = worker_count(workers)
        if ready not in READY_ON:
            raise ValueError(f"ready must be one of {READY_ON}, not {ready!r}")
        self._ready_on = ready
        self._ready_timeout = _positive(seconds(ready_timeout, "ready_timeout"), "ready_timeout")
        self._graceful_timeout = seconds(graceful_timeout, "graceful_timeout")
        self._timeout = seconds(timeout, "timeout")
        self._abort_grace = seconds(abort_grace, "abort_grace")
        self._max_requests = _count(max_requests, "max_requests", 0)
        self._jitter = _count(max_requests_jitter, "max_requests_jitter", 0)
        self._max_memory = None if max_memory is None else size_bytes(max_memory, "max_memory")
        self._memory_samples = _count(memory_samples, "memory_samples", 1)
        self._max_age = None if max_age is None else seconds(max_age, "max_age")
        self._backoff = (
            seconds(backoff, "backoff"),
            seconds(backoff_max, "backoff_max"),
            seconds(min_uptime, "min_uptime"),
        )
        self._boot_failures = BootFailures(
            _count(max_boot_failures, "max_boot_failures", 1), seconds(crash_window, "crash_window")
        )
        self._batch = _count(reload_batch, "reload_batch", 1)
        self._check_interval = _positive(
            seconds(check_interval, "check_interval"), "check_interval"
        )
        if self._timeout:  # a responsive worker's last answer is one interval old
            self._check_interval = min(self._check_interval, self._timeout / 2)
        self._output = PrefixedOutput() if prefix_output else None
        self._handle_signals = bool(handle_signals)
        self._slots: dict[int, _Slot] = {}
        self._members: list[_Member] = []
        self._generation = 0
        self._most_servers = 0
        self._phase = "new"
        self._status: int | None = None
        self._done = threading.Event()
        self._ticker: Timer | None = None
        self._notifier: _systemd.Notifier | None = None
        if not isinstance(control, (bool, str)) or control == "":
            raise ValueError(f"control must be True, False or a socket path, not {control!r}")
        self._control_path = control
        self._control: ControlServer | None = None
        if metrics is not None:
            _prometheus.parse_address(metrics)
        self._metrics_address = metrics
        self._metrics_server: Any = None

    # -- what callers may ask (any thread) -----------------------------------------------

    @property
    def wanted(self) -> int:
        """How many workers the supervisor keeps (after ``scale()``, signals...)."""
        return self._wanted

    @property
    def phase(self) -> str:
        """``'new'``, ``'starting'``, ``'running'``, ``'reloading'``, ``'stopping'``,
        ``'stopped'``."""
        return self._phase

    def start(self) -> Supervisor:
        """Start the workers and return at once. Call it from the main thread when
        ``handle_signals`` (signal handlers can only be installed there)."""
        if self._phase != "new":
            raise RuntimeError("this Supervisor has been started already")
        if self._handle_signals:
            self._listen_to_signals()
        _systemd.inherited_sockets()  # taken now, so that no worker inherits LISTEN_*
        self._notifier = _systemd.Notifier.from_environment(self)
        self._phase = "starting"
        if self._metrics_address is not None:
            self._metrics_server = _prometheus.serve(self._metrics_address)
            log.info("cluster: metrics on http://%s/metrics", self._metrics_address)
        loop.run_sync(self._start)
        return self

    def run(self) -> int:
        """``start()``, then wait until the supervisor stops; returns the exit status.

        The main thread is the supervisor's from here on, as if the main script had
        ended: from now on an event that nobody listens to is dropped, as in Node, not
        held for a listener to come (a supervisor that runs for months must not keep
        every exited worker's events)."""
        self.start()
        loop.end_of_script()
        while not self._done.wait(SIGNAL_LATENCY):
            pass
        return self._status or 0

    def wait(self, timeout: float | None = None) -> int | None:
        """Block until the supervisor has stopped; its exit status (0, or 1 after
        giving up), or None if ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done.wait(SIGNAL_LATENCY):
            if deadline is not None and time.monotonic() >= deadline:
                return None
        return self._status

    def reload(self) -> None:
        """Replace every worker, ``reload_batch`` at a time, each old one drained only
        once its replacement is ready (SIGHUP). A reload during a reload starts the
        rollout again for workers started before it."""
        loop.call_soon(self._reload)

    def scale(self, workers: int) -> None:
        """Keep ``workers`` workers from now on (SIGTTIN/SIGTTOU add or remove one)."""
        count = worker_count(workers)
        loop.call_soon(self._scale, count)

    def stop(self) -> None:
        """Drain every worker, SIGKILL those still there after ``graceful_timeout``,
        then stop (SIGTERM, SIGINT)."""
        loop.call_soon(self._stop, 0)

    def describe(self) -> dict[str, Any]:
        """What the supervisor knows, as plain data (the control socket's ``status``)."""
        return loop.run_sync(self._describe)

    # -- signals -------------------------------------------------------------------------

    def _listen_to_signals(self) -> None:
        process.on("SIGHUP", lambda _name: self.reload())
        process.on("SIGTTIN", lambda _name: loop.call_soon(self._scale, self._wanted + 1))
        process.on("SIGTTOU", lambda _name: loop.call_soon(self._scale, max(1, self._wanted - 1)))
        process.on("SIGTERM", lambda _name: self.stop())
        process.on("SIGINT", lambda _name: self.stop())

    # -- starting workers (event thread from here on) --------------------------------------

    def _start(self) -> None:
        _metrics.supervisor = self
        if self._control_path is not False:
            path = default_path() if self._control_path is True else self._control_path
            self._control = ControlServer(path, self._on_control)
            self._control.start()
            log.info("cluster: control socket %s", path)
        _primary.keep_servers_open(True)
        if self._output is not None:
            import cluster

            cluster.setup_primary(stdio=["inherit", "pipe", "pipe"])
        for index in range(self._wanted):
            self._spawn(self._new_slot(index), "start")
        self._tick_later()

    def _new_slot(self, index: int) -> _Slot:
        slot = self._slots[index] = _Slot(index, Backoff(*self._backoff))
        return slot

    def _spawn(self, slot: _Slot, reason: str, replaces: _Member | None = None) -> _Member:
        import cluster

        # A worker killed as stuck first gets SIGABRT: faulthandler prints its stacks.
        worker = cluster.fork({"PYTHONFAULTHANDLER": "1"})
        if self._output is not None:
            self._output.attach(worker)
        limit = self._max_requests + random.randint(0, self._jitter) if self._max_requests else None
        member = _Member(
            worker=worker,
            slot=slot.index,
            generation=self._generation,
            started=time.monotonic(),
            expected_servers=max(1, self._most_servers),
            request_limit=limit,
            replaces=replaces,
        )
        if replaces is not None:
            replaces.replaced_by = member
        else:
            slot.member = member
        self._members.append(member)
        worker.on("online", lambda: self._on_online(member))
        worker.on("listening", lambda _address: self._on_listening(member))
        worker.on("exit", lambda code, signal: self._on_exit(member, code, signal))
        member.timers.append(
            loop.call_later(self._ready_timeout, lambda: self._boot_timeout(member))
        )
        self.emit("spawn", worker, reason)
        return member

    def _on_online(self, member: _Member) -> None:
        member.answered_at = time.monotonic()
        if self._ready_on == "online":
            self._became_ready(member)

    def _on_listening(self, member: _Member) -> None:
        member.listening += 1
        self._most_servers = max(self._most_servers, member.listening)
        if self._ready_on == "listening" and member.listening >= member.expected_servers:
            self._became_ready(member)

    def _became_ready(self, member: _Member) -> None:
        if member.ready_at is not None or member.leaving is not None:
            return
        member.ready_at = time.monotonic()
        member.cancel_timers()
        self._boot_failures.succeeded()
        log.info(
            "cluster: worker %d (pid %d) is ready", member.worker.id, member.worker.process.pid
        )
        if self._phase == "starting" and all(m.ready_at for m in self._members):
            self._phase = "running"  # before 'ready': its listeners see the phase
        self.emit("ready", member.worker)
        old = member.replaces
        if old is not None:
            member.replaces = None
            self._slots_take(member)
            self._retire(old, "reload" if old.recycle is None else "recycle")
        self._pump_replacements()

    def _slots_take(self, member: _Member) -> None:
        slot = self._slots.get(member.slot)
        if slot is not None:
            slot.member = member

    def _boot_timeout(self, member: _Member) -> None:
        if member.ready_at is None and member.leaving is None:
            hint = " (a worker without servers? use ready='online')" if not member.listening else ""
            log.error(
                "cluster: worker %d (pid %d) was not ready within %gs%s; killing it",
                member.worker.id,
                member.worker.process.pid,
                self._ready_timeout,
                hint,
            )
            member.worker.process.kill("SIGKILL")

    # -- leaving ---------------------------------------------------------------------------

    def _retire(self, member: _Member, reason: str) -> None:
        """Take ``member`` out of the rotation and drain it; SIGKILL after the timeout."""
        if member.leaving is not None:
            return
        member.leaving = reason
        member.cancel_timers()
        if member.ready_at is None:
            # Still booting: it serves nothing yet, and a disconnect would wait for its
            # script to settle (a bind() that the primary no longer answers).
            member.worker.process.kill("SIGTERM")
        elif member.worker.is_connected():
            member.worker.disconnect()  # the primary stops routing to it at once
        member.timers.append(loop.call_later(self._graceful_timeout, lambda: self._kill(member)))

    def _kill(self, member: _Member) -> None:
        if not member.worker.is_dead():
            log.warning(
                "cluster: worker %d (pid %d) still running after %gs; SIGKILL",
                member.worker.id,
                member.worker.process.pid,
                self._graceful_timeout,
            )
            member.worker.process.kill("SIGKILL")

    def _on_exit(self, member: _Member, code: int | None, signal: str | None) -> None:
        member.cancel_timers()
        self._members.remove(member)
        uptime = time.monotonic() - member.started
        reason = member.leaving or exit_kind(
            code, signal, member.ready_at is not None, uptime, self._backoff[2]
        )
        slot = self._slots.get(member.slot)
        if slot is not None:
            slot.last_exit_reason = reason
        if member.leaving is not None:
            log.info(
                "cluster: worker %d (pid %d) exited (%s)",
                member.worker.id,
                member.worker.process.pid,
                reason,
            )
        self.emit("exit", member.worker, code, signal, reason)
        if self._phase in ("stopping", "stopped"):
            self._maybe_stopped()
            return
        if member.replaces is not None and member.leaving is None:
            self._replacement_failed(member, reason)
        elif slot is not None and slot.member is member:
            self._vacate(slot, member, reason, uptime)
        if reason == "boot" and self._boot_failures.failed(time.monotonic()):
            self._give_up(member, code, signal)
            return
        self._pump_replacements()

    def _vacate(self, slot: _Slot, member: _Member, reason: str, uptime: float) -> None:
        """The worker of ``slot`` is gone: its replacement in flight takes the slot, or
        a new worker is started (at once, or after the slot's backoff)."""
        successor = member.replaced_by
        if successor is not None:
            successor.replaces = None
            slot.member = successor
        else:
            slot.member = None
            self._restart_later(slot, member, reason, uptime)

    def _restart_later(self, slot: _Slot, member: _Member, reason: str, uptime: float) -> None:
        if reason in ("exit", "stuck"):
            delay = 0.0
        else:
            delay = slot.backoff.next_delay(uptime)
        slot.restarts += 1
        log.warning(
            "cluster: worker %d (pid %d) left (%s, exit code %s, signal %s); a new one in %.1fs",
            member.worker.id,
            member.worker.process.pid,
            reason,
            member.worker.process.exit_code,
            member.worker.process.signal_code,
            delay,
        )

        def restart() -> None:
            slot.restart_timer = None
            if self._phase in ("starting", "running", "reloading") and slot.member is None:
                if self._slots.get(slot.index) is slot:
                    self._spawn(slot, "restart")

        slot.restart_timer = loop.call_later(delay, restart)

    def _replacement_failed(self, member: _Member, reason: str) -> None:
        old = member.replaces
        assert old is not None
        old.replaced_by = None
        log.error(
            "cluster: the replacement for worker %d failed (%s); the old worker keeps serving",
            old.worker.id,
            reason,
        )
        if self._phase == "reloading":
            for other in self._members:
                other.generation = self._generation  # abort: keep what serves now
            self._end_reload(False)
        else:
            old.recycle = None  # try again when its limit is checked next

    def _give_up(self, member: _Member, code: int | None, signal: str | None) -> None:
        message = (
            f"cluster: giving up: {self._boot_failures.limit} workers in a row failed to "
            f"boot within {self._boot_failures.window:g}s (the last, pid "
            f"{member.worker.process.pid}, exited with code {code}, signal {signal}); "
            "fix the program and start again"
        )
        log.critical(message)
        self.emit("giveUp", message)
        self._stop(1)

    # -- replacing: reloads and recycling ----------------------------------------------

    def _reload(self) -> None:
        if self._phase in ("stopping", "stopped", "new"):
            return
        self._generation += 1
        if self._phase != "reloading":
            self._phase = "reloading"
            log.info("cluster: reloading %d workers, %d at a time", len(self._slots), self._batch)
            self.emit("reloadStart")
        self._pump_replacements()

    def _pump_replacements(self) -> None:
        """Start replacements for stale or recycled workers, ``reload_batch`` at once."""
        if self._phase not in ("running", "reloading"):
            return
        in_flight = sum(1 for m in self._members if m.replaces is not None)
        for old in self._stale_members():
            if in_flight >= self._batch:
                break
            slot = self._slots.get(old.slot)
            if slot is not None:
                self._spawn(slot, "reload" if old.recycle is None else "recycle", replaces=old)
                in_flight += 1
        if self._phase == "reloading" and not in_flight and not self._stale_members():
            self._end_reload(True)

    def _stale_members(self) -> list[_Member]:
        return sorted(
            (
                m
                for m in self._members
                if m.ready_at is not None
                and m.leaving is None
                and m.replaced_by is None
                and (m.generation < self._generation or m.recycle is not None)
            ),
            key=lambda m: m.started,
        )

    def _end_reload(self, completed: bool) -> None:
        self._phase = "running"
        log.info("cluster: reload %s", "done" if completed else "aborted")
        self.emit("reloadEnd", completed)

    # -- scaling ---------------------------------------------------------------------------

    def _scale(self, count: int) -> None:
        if self._phase in ("stopping", "stopped", "new") or count == self._wanted:
            return
        old, self._wanted = self._wanted, count
        log.info("cluster: scaling from %d to %d workers", old, count)
        for index in sorted(self._slots)[count:]:
            self._drop_slot(self._slots.pop(index))
        for index in range(count):
            if index not in self._slots:
                self._spawn(self._new_slot(index), "scale")
        self.emit("scale", count, old)

    def _drop_slot(self, slot: _Slot) -> None:
        if slot.restart_timer is not None:
            slot.restart_timer.cancel()
        for member in [m for m in self._members if m.slot == slot.index]:
            self._retire(member, "scale")

    # -- checks: stuck workers, recycling -------------------------------------------------

    def _tick_later(self) -> None:
        self._ticker = loop.call_later(self._check_interval, self._tick)

    def _tick(self) -> None:
        if self._phase in ("stopping", "stopped"):
            return
        now = time.monotonic()
        for member in list(self._members):
            if member.ready_at is not None and member.leaving is None:
                self._check_stuck(member, now)
                self._check_recycling(member, now)
        self._pump_replacements()
        self._tick_later()

    def _check_stuck(self, member: _Member, now: float) -> None:
        """Stuck: its servers have taken none of the connections handed to them (the
        primary sees that under round-robin), or its process answers no ping."""
        if not self._timeout:
            return
        self._ping(member)
        if now - (member.ready_at or now) < self._timeout:
            return  # start-up grace: the timeout counts from when it was ready
        not_taking = _servers.not_taking_since(member.worker)
        since = min(member.answered_at, not_taking if not_taking is not None else now)
        if now - since >= self._timeout:
            self._stuck(member, now - since)

    def _ping(self, member: _Member) -> None:
        def answered(*_: Any) -> None:
            member.answered_at = time.monotonic()

        link = member.worker._link
        if link is not None and link.connected:
            link.send_internal({"act": "ping"}, reply=answered)

    def _stuck(self, member: _Member, silent_for: float) -> None:
        answers = time.monotonic() - member.answered_at < self._timeout
        what = "taken no connection handed to it" if answers else "answered no ping"
        log.error(
            "cluster: worker %d (pid %d) has %s for %.1fs; SIGABRT (stack dump), then SIGKILL",
            member.worker.id,
            member.worker.process.pid,
            what,
            silent_for,
        )
        self.emit("stuck", member.worker)
        member.leaving = "stuck"
        if member.worker.is_connected():
            member.worker.disconnect()  # its queued connections go to the others now
        member.worker.process.kill("SIGABRT")
        member.timers.append(loop.call_later(self._abort_grace, lambda: self._kill(member)))

    def _check_recycling(self, member: _Member, now: float) -> None:
        if member.recycle is not None or member.replaced_by is not None:
            return
        limit = member.request_limit
        if limit is not None and _servers.connections_handed(member.worker) >= limit:
            member.recycle = "max-requests"
        elif self._max_age is not None and now - member.started >= self._max_age:
            member.recycle = "max-age"
        elif self._max_memory is not None and self._over_memory(member):
            member.recycle = "max-memory"
        if member.recycle is not None:
            log.info("cluster: recycling worker %d (%s)", member.worker.id, member.recycle)

    def _over_memory(self, member: _Member) -> bool:
        try:
            rss = member.worker.process.psutil.memory_info().rss
        except psutil.Error:
            return False
        member.rss_strikes = member.rss_strikes + 1 if rss > (self._max_memory or 0) else 0
        return member.rss_strikes >= self._memory_samples

    # -- stopping --------------------------------------------------------------------------

    def _stop(self, status: int) -> None:
        if self._phase in ("stopping", "stopped"):
            return
        self._status = status
        self._phase = "stopping"
        log.info("cluster: stopping: draining %d workers", len(self._members))
        self.emit("stopping")
        if self._ticker is not None:
            self._ticker.cancel()
        for slot in self._slots.values():
            if slot.restart_timer is not None:
                slot.restart_timer.cancel()
        _primary.keep_servers_open(False)  # each closes with the last worker draining it
        for member in list(self._members):
            self._retire(member, member.leaving or "stop")
        self._maybe_stopped()

    def _maybe_stopped(self) -> None:
        if self._phase == "stopping" and not self._members:
            self._phase = "stopped"
            if self._control is not None:
                self._control.close()
            if self._metrics_server is not None:
                threading.Thread(target=self._metrics_server.shutdown, daemon=True).start()
            log.info("cluster: stopped")
            self.emit("stop", self._status)
            self._done.set()

    # -- metrics and the control socket (event thread) ----------------------------------

    def books(self, worker: Worker) -> tuple[int, str | None, float | None]:
        """Restarts and last exit reason of ``worker``'s slot, and its last heartbeat."""
        for member in self._members:
            if member.worker is worker:
                slot = self._slots.get(member.slot)
                answered = member.answered_at or None
                if slot is None:
                    return 0, None, answered
                return slot.restarts, slot.last_exit_reason, answered
        return 0, None, None

    def wanted_and_phase(self) -> tuple[int, str]:
        return self._wanted, self._phase

    def _on_control(self, request: dict[str, Any]) -> dict[str, Any]:
        command = request.get("cmd")
        if command == "status":
            return {"ok": True, **_metrics._cluster_metrics().as_dict()}
        if command == "reload":
            log.info("cluster: reload asked on the control socket")
            loop.call_soon(self._reload)
        elif command == "scale":
            count = worker_count(request.get("workers", ""))
            log.info("cluster: scale to %d asked on the control socket", count)
            loop.call_soon(self._scale, count)
        elif command == "stop":
            log.info("cluster: stop asked on the control socket")
            loop.call_soon(self._stop, 0)
        else:
            raise ValueError(f"unknown command {command!r} (status, reload, scale, stop)")
        return {"ok": True}

    def _describe(self) -> dict[str, Any]:
        return {
            "wanted": self._wanted,
            "phase": self._phase,
            "workers": {
                m.worker.id: {
                    "slot": m.slot,
                    "pid": m.worker.process.pid,
                    "ready": m.ready_at is not None,
                    "leaving": m.leaving,
                    "restarts": self._slots[m.slot].restarts if m.slot in self._slots else 0,
                    "last_exit_reason": (
                        self._slots[m.slot].last_exit_reason if m.slot in self._slots else None
                    ),
                }
                for m in self._members
            },
        }


def supervise(workers: int | str = "max", **options: Any) -> int:
    """Run a :class:`Supervisor` until it stops; returns its exit status (0, or 1 after
    giving up). Call it in the primary, on the main thread::

        if cluster.is_primary:
            sys.exit(cluster.supervise(workers=4))
    """
    return Supervisor(workers, **options).run()


# -- validating options ------------------------------------------------------------------


def _count(value: Any, name: str, least: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= least:
        return value
    raise ValueError(f"{name} must be a whole number >= {least}, not {value!r}")


def _positive(value: float, name: str) -> float:
    if value <= 0:
        raise ValueError(f"{name} must be more than 0, not {value!r}")
    return value
