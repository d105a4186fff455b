"""Port of test-cluster-dgram-1.js: four workers bind UDP port 0 and share one socket
(one port, reported by every 'listening'); 40 datagrams sent to it are spread so that
each worker, stopping after its 10th, handles exactly 10, tells the primary and
disconnects."""

import socket

import cluster
from must import must_call

WORKERS = 4
PACKETS_PER_WORKER = 10

if cluster.is_primary:
    ports = set()

    def send_all():
        (port,) = ports
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(WORKERS * PACKETS_PER_WORKER):
                sock.sendto(b"hello world", ("127.0.0.1", port))

    def on_listening(worker, address):
        assert address.address_type == "udp4", address
        ports.add(address.port)
        if sum(1 for w in cluster.workers.values() if w.state == "listening") == WORKERS:
            assert len(ports) == 1, f"the workers got different ports: {ports}"
            send_all()  # sendto() to a local UDP port does not block

    def watch(worker):
        received = []
        worker.on("message", must_call(lambda message, handle: received.append(message)))

        def on_disconnect():
            assert received == [{"received": PACKETS_PER_WORKER}], received

        worker.on("disconnect", must_call(on_disconnect))
        worker.on("exit", must_call(lambda code, signal: print(f"exit {code} {signal}")))

    for _ in range(WORKERS):
        watch(cluster.fork())
    cluster.on("listening", must_call(on_listening, WORKERS))
else:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", 0))
    for _ in range(PACKETS_PER_WORKER):
        data, _ = sock.recvfrom(100)
        assert data == b"hello world", data
    cluster.process.send({"received": PACKETS_PER_WORKER})
    cluster.process.disconnect()
