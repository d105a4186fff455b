"""Port of test-cluster-disconnect.js: eight workers each run two TCP servers that answer
"echo" on two given ports; a client gets "echo" from both ports, then
cluster.disconnect(callback) tears everything down, and a second identical round on the
same ports works again (the first left nothing behind)."""

import atexit
import os
import socket
import sys
import threading

import cluster
from must import in_thread, must_call

PORTS = [int(port) for port in sys.argv[1:3]]
WORKERS = 8

if cluster.is_primary:
    results = {"start": 0, "test": 0, "disconnect": 0}

    def ask(port):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            answer = b""
            while chunk := client.recv(100):
                answer += chunk
        assert answer == b"echo", answer

    def round_(again):
        listening = threading.Semaphore(0)

        def on_listening(worker, address):
            assert address.port in PORTS, address
            listening.release()

        def test_cluster():
            for _ in range(WORKERS * len(PORTS)):
                assert listening.acquire(timeout=20), "the servers did not all listen"
            cluster.off("listening", on_listening)
            results["start"] += 1
            for port in PORTS:
                ask(port)
            results["test"] += 1
            cluster.disconnect(must_call(disconnected))

        def disconnected():
            assert not cluster.workers, cluster.workers
            results["disconnect"] += 1
            if again:
                round_(False)

        cluster.on("listening", on_listening)
        for _ in range(WORKERS):
            cluster.fork()
        in_thread(test_cluster)

    def on_exit(worker, code, signal):
        assert (code, signal) == (0, None), (worker.id, code, signal)

    cluster.on("exit", must_call(on_exit, 2 * WORKERS))
    round_(True)

    @atexit.register
    def check():
        print(f"results {results}", flush=True)
        if results != {"start": 2, "test": 2, "disconnect": 2}:
            os._exit(1)
else:

    def echo(server):
        while True:
            connection, _ = server.accept()
            connection.sendall(b"echo")
            connection.close()

    for port in PORTS:
        in_thread(echo, socket.create_server(("127.0.0.1", port)))
