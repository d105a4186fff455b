"""A worker's cluster.process.on("SIGTERM", fn): the primary's worker.kill() runs fn in
the worker, which tells the primary and then exits with a code of its choosing; the
primary sees that code, with no signal and exited_after_disconnect False."""

import cluster
from must import must_call

CHOSEN_CODE = 7

if cluster.is_primary:
    worker = cluster.fork()

    def on_message(message, handle):
        if message == "ready":
            worker.kill()
        else:
            assert message == {"caught": "SIGTERM"}, message

    def on_exit(code, signal):
        assert (code, signal) == (CHOSEN_CODE, None), (code, signal)
        assert worker.exited_after_disconnect is False
        print(f"exit {code} {signal}")

    worker.on("message", must_call(on_message, 2))
    worker.on("exit", must_call(on_exit))
else:

    def on_sigterm(name):
        cluster.process.send(
            {"caught": name}, callback=lambda error: cluster.process.exit(CHOSEN_CODE)
        )

    cluster.process.on("SIGTERM", on_sigterm)
    cluster.process.send("ready")  # only now may the primary kill: the listener is in place
