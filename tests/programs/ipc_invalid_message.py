"""Port of test-cluster-invalid-message.js, with SPEC.md's rule: a user message shaped
like one of the cluster's own (``{'cmd': 'NODE_CLUSTER', ...}``) is an ordinary user
message both ways, delivered untouched, and the cluster does not act on it. The
worker still exits 0 when disconnected."""

import cluster
from must import must_call, must_not_call

TO_WORKER = [
    {"cmd": "NODE_CLUSTER", "ack": -1},
    {"cmd": "NODE_CLUSTER", "act": "disconnect"},
    {"cmd": "NODE_CLUSTER", "act": "newconn", "key": "127.0.0.1:1:4", "seq": 5},
    {"cmd": "NODE_HANDLE", "type": "net.Socket"},
]
TO_PRIMARY = [
    {"cmd": "NODE_CLUSTER", "act": "online"},
    {"cmd": "NODE_CLUSTER", "act": "exitedAfterDisconnect", "seq": 777},
    {
        "cmd": "NODE_CLUSTER",
        "act": "listening",
        "port": 9999,
        "address": "1.2.3.4",
        "addressType": 4,
    },
    {
        "cmd": "NODE_CLUSTER",
        "act": "queryServer",
        "address": "127.0.0.1",
        "port": 0,
        "addressType": 4,
        "seq": 1,
    },
    {"cmd": "NODE_CLUSTER", "ack": 1},
]

if cluster.is_worker:
    received: list = []

    def on_message(message, handle):
        assert handle is None
        received.append(message)
        if len(received) == len(TO_WORKER):
            cluster.process.send({"echo": received})

    cluster.process.on("message", on_message)
    for fake in TO_PRIMARY:
        cluster.process.send(fake)
else:
    worker = cluster.fork()
    got: list = []

    def on_message(message, handle):
        assert handle is None
        got.append(message)
        if len(got) < len(TO_PRIMARY):
            return
        if len(got) == len(TO_PRIMARY):
            assert got == TO_PRIMARY, got
            # None of them acted: no second 'online', no 'listening', flag still unset.
            assert worker.state == "online", worker.state
            assert worker.exited_after_disconnect is None
            for fake in TO_WORKER:
                worker.send(fake)
            return
        assert message == {"echo": TO_WORKER}, message
        assert worker.is_connected()  # the fake 'disconnect' did not disconnect it
        print("fake internal messages delivered untouched both ways")
        worker.disconnect()

    worker.on("message", must_call(on_message, len(TO_PRIMARY) + 1))
    worker.on("online", must_call())
    cluster.on("online", must_call())
    worker.on("listening", must_not_call("worker 'listening'"))
    cluster.on("listening", must_not_call("cluster 'listening'"))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert worker.exited_after_disconnect is True

    worker.on("exit", must_call(on_exit))
