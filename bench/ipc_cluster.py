"""The Python side of the IPC benchmark (``ipc.js`` is Node's): one primary, one worker.

``python ipc_cluster.py '<json config>'`` where the config maps a payload size name to
its counts: ``{"small": {"size": 16, "oneway": 100000, "ping": 10000}, ...}``. For each
size, in order:

- ``p2w``: the primary sends ``oneway`` messages ``{"t": "d", "p": "<size chars>"}`` to
  the worker (in one go, from a ``'message'`` listener, as Node's does); the worker counts them and
  answers ``done`` after the last: messages/s from the first send to the answer.
- ``w2p``: the primary asks the worker (one message) to send ``oneway`` messages; it
  counts them: messages/s from the request to the last message.
- ``ping``: ``ping`` round trips, one at a time (the worker echoes each message; the
  primary sends the next from its ``'message'`` listener): p50 and p99 in microseconds.

Prints ``{"event": "result", "results": {...}}`` and ends (``cluster.disconnect()``).
"""

from __future__ import annotations

import json
import sys
import threading
import time

import cluster

WAIT = 600.0  # bound on the whole run


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(fraction * len(ordered) + 0.5))))
    return ordered[rank - 1]


def primary(config: dict) -> None:
    """Event-driven, as Node's primary is: the script forks, adds its listener and
    ends; each measurement starts from the listener that saw the previous one end."""
    worker = cluster.fork()
    state: dict = {"mode": None, "count": 0, "expect": 0, "started": 0.0, "sent": 0.0}
    rtts: list[float] = []
    results: dict[str, dict[str, float]] = {}
    steps = [(name, spec, mode) for name, spec in config.items() for mode in ("p2w", "w2p", "ping")]

    def finish(end: float) -> None:
        name, spec, mode = steps.pop(0)
        out = results.setdefault(name, {})
        if mode == "ping":
            out["rtt_p50_us"] = percentile(rtts, 0.50) * 1e6
            out["rtt_p99_us"] = percentile(rtts, 0.99) * 1e6
        else:
            out[mode] = spec["oneway"] / (end - state["started"])
        state["mode"] = None
        start_next()

    def start_next() -> None:
        if not steps:
            watchdog.cancel()
            print(json.dumps({"event": "result", "results": results}), flush=True)
            cluster.disconnect()
            return
        _name, spec, mode = steps[0]
        payload = "x" * spec["size"]
        count = spec["oneway"]
        if mode == "p2w":
            state.update(mode="p2w")
            worker.send({"t": "expect", "n": count})
            state["started"] = time.perf_counter()
            message = {"t": "d", "p": payload}
            for _ in range(count):
                worker.send(message)
        elif mode == "w2p":
            state.update(mode="w2p", count=0, expect=count, started=time.perf_counter())
            worker.send({"t": "emit", "n": count, "size": spec["size"]})
        else:
            rtts.clear()
            state.update(mode="ping", count=0, expect=spec["ping"], sent=time.perf_counter())
            worker.send({"t": "p", "p": payload})

    def on_message(_worker: cluster.Worker, message: dict, _handle: object) -> None:
        mode = state["mode"]
        if mode == "w2p":
            state["count"] += 1
            if state["count"] == state["expect"]:
                finish(time.perf_counter())
        elif mode == "ping":
            now = time.perf_counter()
            rtts.append(now - state["sent"])
            state["count"] += 1
            if state["count"] == state["expect"]:
                finish(now)
            else:
                state["sent"] = time.perf_counter()
                worker.send(message)
        elif message["t"] == "done":
            finish(time.perf_counter())
        elif message["t"] == "ready":
            start_next()

    def give_up() -> None:
        print(f"ipc_cluster.py: no result within {WAIT}s", file=sys.stderr, flush=True)
        worker.kill("SIGKILL")
        cluster.process.exit(1)

    watchdog = threading.Timer(WAIT, give_up)
    watchdog.daemon = True
    watchdog.start()
    cluster.on("message", on_message)


def worker_side() -> None:
    process = cluster.process
    state = {"expect": 0, "count": 0}

    def on_message(message: dict, _handle: object) -> None:
        kind = message["t"]
        if kind == "d":
            state["count"] += 1
            if state["count"] == state["expect"]:
                process.send({"t": "done"})
        elif kind == "p":
            process.send(message)
        elif kind == "expect":
            state.update(expect=message["n"], count=0)
        elif kind == "emit":
            data = {"t": "d", "p": "x" * message["size"]}
            for _ in range(message["n"]):
                process.send(data)

    process.on("message", on_message)
    process.send({"t": "ready"})


if __name__ == "__main__":
    if cluster.is_primary:
        primary(json.loads(sys.argv[1]))
    else:
        worker_side()
