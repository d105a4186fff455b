"""A worker's own disconnect() and kill() mark it at once, as Node's do (FINDINGS.md §8,
§9): disconnect() returns the worker with state 'disconnecting' and
exited_after_disconnect True (a second call changes nothing); kill() returns None with
state 'destroying' and exited_after_disconnect True. The worker calls them from a
message listener (the event context), and both exit 0."""

import os

import cluster
from must import must_call

if cluster.is_primary:
    for action in ("disconnect", "kill"):
        worker = cluster.fork({"ACTION": action})
        worker.on("online", must_call(lambda worker=worker: worker.send("go")))

        def on_exit(code, signal, action=action):
            print(f"{action} exit {code} {signal}")

        worker.on("exit", must_call(on_exit))
else:
    me = cluster.worker

    def on_message(message, handle):
        if os.environ["ACTION"] == "disconnect":
            assert me.disconnect() is me
            flags = (me.state, me.exited_after_disconnect)
            assert flags == ("disconnecting", True), flags
            assert me.disconnect() is me
        else:
            assert me.kill() is None
            flags = (me.state, me.exited_after_disconnect)
            assert flags == ("destroying", True), flags

    cluster.process.on("message", must_call(on_message))
