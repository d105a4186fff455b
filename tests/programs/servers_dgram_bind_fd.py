"""Port of test-cluster-dgram-bind-fd.js, in part: the primary binds a UDP socket of its
own and hands it to four workers (Node's workers bind to the primary's fd *number*, which
has no Python analogue; here the socket travels with a message); 40 datagrams sent to
its address are spread so that each worker, stopping after its 10th, handles exactly
10, tells the primary, closes its copy and is disconnected; each exits 0."""

import socket

import cluster
from must import in_thread, must_call

WORKERS = 4
PACKETS_PER_WORKER = 10

if cluster.is_primary:
    shared = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    shared.bind(("127.0.0.1", 0))
    address = shared.getsockname()
    ready = []

    def send_all():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(WORKERS * PACKETS_PER_WORKER):
                sock.sendto(b"hello world", address)

    def watch(worker):
        received = []

        def on_message(message, handle):
            if message == "ready":
                ready.append(worker)
                if len(ready) == WORKERS:
                    send_all()  # sendto() to a local UDP port does not block
            else:
                received.append(message["received"])
                worker.disconnect()

        def on_exit(code, signal):
            assert received == [PACKETS_PER_WORKER], received
            assert (code, signal) == (0, None), (code, signal)

        worker.on("message", must_call(on_message, 2))
        worker.on("exit", must_call(on_exit))
        worker.send("take it", shared)

    for _ in range(WORKERS):
        watch(cluster.fork())
else:

    def receive(handle):
        for _ in range(PACKETS_PER_WORKER):
            data, _ = handle.recvfrom(100)
            assert data == b"hello world", data
        cluster.process.send({"received": PACKETS_PER_WORKER})
        handle.close()

    def on_message(message, handle):
        assert isinstance(handle, socket.socket), handle
        assert handle.type == socket.SOCK_DGRAM, handle
        in_thread(receive, handle)
        cluster.process.send("ready")

    cluster.process.on("message", must_call(on_message))
