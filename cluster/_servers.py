"""The primary's server handles, by key (the ``handles`` map and ``queryServer`` of
Node's ``primary.js``).

A key names what a worker asked to bind: family, type, address and an index (the
n-th server this worker has open on that address). Workers asking for the same key
share one handle, so ``port 0`` in every worker means one random port for all.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from . import _schedulers
from ._loop import loop
from ._reuseport_handle import ReusePortHandle
from ._round_robin_handle import RoundRobinHandle, release
from ._shared_handle import ServerSpec, SharedHandle
from ._worker import Address

Handle = RoundRobinHandle | SharedHandle | ReusePortHandle

handles: dict[str, Handle] = {}
# True while a supervisor keeps the servers: a handle whose last worker has gone stays
# open for the next one (connections wait in the kernel's backlog or in the handle).
_kept_open = False


def has_handles() -> bool:
    return bool(handles)


def on_internal(worker: Any, message: dict[str, Any], handle: socket.socket | None) -> None:
    """A cluster message from ``worker`` about its servers."""
    act = message.get("act")
    if act == "queryServer":
        _query_server(worker, message, handle)
        return
    if handle is not None:
        handle.close()
    if act == "listening":
        _listening(worker, message)
    elif act == "close":
        _close(worker, str(message.get("key")))
    elif act == "closed":
        _connections_closed(worker, message.get("counts"))


def _key(message: dict[str, Any]) -> str:
    fields = ("family", "type", "address", "index")
    return json.dumps([message.get(field) for field in fields])


def _query_server(worker: Any, message: dict[str, Any], adopt: socket.socket | None) -> None:
    """Bind what the worker asked for (or adopt the socket it bound itself, a Unix
    path too long for the primary), or share the handle that already has it."""
    from . import _freeze_scheduling_policy

    if worker.exited_after_disconnect:
        # Node does not answer a worker it has asked to disconnect, either.
        if adopt is not None:
            adopt.close()
        return
    key = _key(message)
    reply: dict[str, Any] = {"ack": message.get("seq"), "key": key}
    handle = handles.get(key)
    if handle is not None and adopt is not None:
        adopt.close()
    if handle is None:
        spec = ServerSpec(
            family=int(message["family"]),
            type=int(message["type"]),
            address=message["address"],
            v6only=bool(message.get("v6only")),
            reuseaddr=bool(message.get("reuseaddr")),
            adopted=adopt,
        )
        try:
            handle = _new_handle(spec, _freeze_scheduling_policy())
        except OSError as exc:
            worker._link.send_internal({**reply, "errno": exc.errno})
            return
        handles[key] = handle
    descriptor = handle.add(worker)
    sockname = handle.sockname
    reply.update(
        policy=handle.policy, sockname=list(sockname) if isinstance(sockname, tuple) else sockname
    )
    if isinstance(handle, RoundRobinHandle) and handle.counts_closes:
        reply["countCloses"] = True
    worker._link.send_internal(reply, handle=descriptor)


def _new_handle(spec: ServerSpec, policy: int) -> Handle:
    """UDP is always shared; ``SCHED_REUSEPORT`` needs TCP over IP (a Unix socket,
    or one the worker bound itself, is shared instead)."""
    from . import SCHED_REUSEPORT, SCHED_RR

    if spec.type == socket.SOCK_DGRAM:
        return SharedHandle(spec)
    if policy == SCHED_RR:
        return RoundRobinHandle(spec, _scheduler())
    ip = spec.family in (socket.AF_INET, socket.AF_INET6)
    if policy == SCHED_REUSEPORT and ip and spec.adopted is None:
        return ReusePortHandle(spec)
    return SharedHandle(spec)


def _scheduler() -> _schedulers.Scheduler | None:
    """A new scheduler for a new server, from the settings in force."""
    from ._primary import settings

    return _schedulers.make(settings.get("scheduler"))


def _connections_closed(worker: Any, counts: Any) -> None:
    """The worker's batched report of connections that closed, by server key."""
    if not isinstance(counts, dict):
        return
    for key, count in counts.items():
        handle = handles.get(key)
        if isinstance(handle, RoundRobinHandle) and type(count) is int and count > 0:
            handle.connections_closed(worker, count)


def _listening(worker: Any, message: dict[str, Any]) -> None:
    from ._primary import emitter

    handle = handles.get(str(message.get("key")))
    if handle is None:
        return
    backlog = message.get("backlog")
    handle.start(worker, backlog if isinstance(backlog, int) else None)
    address = Address(
        address=message.get("address"),
        port=message.get("port"),
        address_type=message.get("addressType", 4),
    )
    worker.state = "listening"
    loop.deliver_pair("listening", worker, (address,), emitter, (worker, address))


def _close(worker: Any, key: str) -> None:
    handle = handles.get(key)
    if handle is not None and handle.remove(worker):
        _closed_if_unused(key)


def _closed_if_unused(key: str) -> None:
    if not _kept_open:
        handles.pop(key).close()


def keep_open(keep: bool) -> None:
    """Keep the servers of workers that all left open (``True``), or close those that
    no worker serves any more, now and from now on (``False``). Loop thread."""
    global _kept_open
    _kept_open = keep
    if not keep:
        for key, handle in list(handles.items()):
            if not _served(handle):
                _closed_if_unused(key)


def _served(handle: Handle) -> bool:
    return bool(handle.routes if isinstance(handle, RoundRobinHandle) else handle.workers)


def _routes_of(worker: Any) -> list[Any]:
    return [
        handle.routes[worker]
        for handle in handles.values()
        if isinstance(handle, RoundRobinHandle) and worker in handle.routes
    ]


def connections_handed(worker: Any) -> int:
    """How many connections the primary has handed to ``worker`` (round-robin)."""
    return sum(route.sent for route in _routes_of(worker))


def connections_queued(worker: Any) -> int:
    """How many connections handed to ``worker`` it has not accepted yet (the kernel's
    count of bytes queued on its routes, divided by what one connection costs)."""
    return sum(
        round(route.queued_bytes() / route.unit) for route in _routes_of(worker) if route.unit
    )


def not_taking_since(worker: Any) -> float | None:
    """Since when (``time.monotonic()``) ``worker`` has taken none of the connections
    handed to it, on any of its round-robin servers; None while it keeps up."""
    now = time.monotonic()
    times = [t for route in _routes_of(worker) if (t := route.not_taking_since(now)) is not None]
    return min(times, default=None)


def remove_worker(worker: Any, gone: bool = True) -> None:
    """``worker`` serves none of its servers any more: it has disconnected or died
    (``gone``), or the primary has just asked it to disconnect."""
    for key, handle in list(handles.items()):
        if handle.serves(worker) and handle.remove(worker, retire=not gone):
            _closed_if_unused(key)
    if gone:
        release(worker)
