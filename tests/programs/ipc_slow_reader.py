"""A worker that is slow to read (its event context sleeps for a while) does not block
the primary: ``send()`` returns promptly even with many MB queued, returns False once
the backlog is large, and everything arrives once the worker reads again."""

import time

import cluster
from must import must_call

CHUNK = 1 << 20
CHUNKS = 32
SLEEP = 3.0  # the worker's slowness: the behaviour under test
PROMPT = 1.5  # sending everything must take well under that

if cluster.is_worker:
    totals = {"count": 0, "bytes": 0}

    def on_message(message, handle):
        if message == "sleep":
            cluster.process.send("sleeping")
            time.sleep(SLEEP)  # no reading meanwhile: this is the event context
            return
        totals["count"] += 1
        totals["bytes"] += len(message)
        if totals["count"] == CHUNKS:
            cluster.process.send(totals)

    cluster.process.on("message", on_message)
else:
    worker = cluster.fork()
    timing: dict = {}

    def send_everything() -> None:
        results = []
        start = time.monotonic()
        for n in range(CHUNKS):
            results.append(worker.send(chr(ord("a") + n % 26) * CHUNK))
        timing["elapsed"] = time.monotonic() - start
        timing["results"] = results

    def on_message(message, handle):
        if message == "sleeping":
            send_everything()
            return
        assert message == {"count": CHUNKS, "bytes": CHUNKS * CHUNK}, message
        worker.disconnect()

    worker.on("message", must_call(on_message, 2))
    worker.on("online", must_call(lambda: worker.send("sleep")))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        elapsed = timing["elapsed"]
        print(f"{CHUNKS} MB queued in {elapsed:.3f} s while the worker slept {SLEEP} s")
        assert elapsed < PROMPT, f"send() blocked: {elapsed:.2f} s for {CHUNKS} MB"
        assert timing["results"][-1] is False, "send() should report the large backlog"

    worker.on("exit", must_call(on_exit))
