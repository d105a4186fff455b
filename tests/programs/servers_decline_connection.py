"""Port of test-cluster-net-server-drop-connection.js, in part: round-robin over a Unix
socket, three workers that take at most 0, 1 and 9 connections. Node's workers decline
a handed-off connection when at ``server.maxConnections``, which Python servers do not
have; here a worker at its limit declines the next connection handed to it by closing
its server, and the primary gives that connection to another worker. Of 10
connections, the three workers take exactly 0, 1 and 9, and none is lost."""

import os
import select
import shutil
import socket
import tempfile
import threading

import cluster
from must import in_thread, must_call

CONNECTIONS = 10
LIMITS = (0, 1, 9)

if cluster.is_primary:
    cluster.scheduling_policy = cluster.SCHED_RR
    directory = tempfile.mkdtemp(prefix="cluster-")
    path = os.path.join(directory, "server.sock")
    listening = threading.Semaphore(0)
    taken = threading.Semaphore(0)
    workers = []

    def clients():
        for _ in LIMITS:
            assert listening.acquire(timeout=20), "a worker never listened"
        sockets = []
        for _ in range(CONNECTIONS):
            client = socket.socket(socket.AF_UNIX)
            client.connect(path)
            sockets.append(client)
        for _ in range(CONNECTIONS):
            assert taken.acquire(timeout=20), "a connection was never taken"
        for worker in workers:
            worker.send({"action": "disconnect"})
        for client in sockets:
            client.close()

    def watch(worker, limit):
        def on_message(message, handle):
            if message["action"] == "listen":
                listening.release()
            else:
                assert message["action"] == "connection", message
                taken.release()

        def on_exit(code, signal):
            assert (code, signal) == (0, None), (code, signal)

        worker.on("message", must_call(on_message, 1 + limit))
        worker.on("exit", must_call(on_exit))
        workers.append(worker)

    for limit in LIMITS:
        watch(cluster.fork({"LIMIT": limit, "SOCKET_PATH": path}), limit)
    cluster.on("exit", lambda *args: None if cluster.workers else shutil.rmtree(directory))
    in_thread(clients)
else:
    limit = int(os.environ["LIMIT"])
    server = socket.socket(socket.AF_UNIX)
    server.bind(os.environ["SOCKET_PATH"])
    server.listen()
    connections = []

    def serve():
        for _ in range(limit):
            connections.append(server.accept()[0])
            cluster.process.send({"action": "connection"})
        select.select([server], [], [])  # one more is handed to us: decline it
        server.close()

    def on_message(message, handle):
        assert message == {"action": "disconnect"}, message
        cluster.process.disconnect()

    cluster.process.on("message", must_call(on_message))
    in_thread(serve)
    cluster.process.send({"action": "listen"})
