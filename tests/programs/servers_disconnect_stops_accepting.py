"""Extends test-cluster-worker-wait-server-close.js to a server that goes on accepting
(``rr`` or ``none``): a disconnected worker that still holds a connection takes no new
connection while it waits for that one to end, even from a thread that was blocked in
accept() on its server, and that thread is not handed an error; the other worker serves
every new connection. Both workers exit 0.

Worker 1 is told to disconnect, then sent a message; its answer shows that it has
handled the disconnect (messages are handled in order) before new clients connect.
"""

import socket
import sys
import threading

import cluster
from must import in_thread, must_call

POLICY = sys.argv[1]
NEW_CONNECTIONS = 10
cluster.scheduling_policy = cluster.SCHED_NONE if POLICY == "none" else cluster.SCHED_RR

if cluster.is_primary:
    worker1, worker2 = cluster.fork(), cluster.fork()
    pong = threading.Event()

    def who_answers(sock):
        return sock.recv(1)  # the worker's id

    def clients(port):
        held = None
        others = []
        for _ in range(50):  # find a connection that worker 1 serves
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            if who_answers(sock) == b"1":
                held = sock
                break
            others.append(sock)
        assert held is not None, "worker 1 never got a connection"
        for sock in others:
            sock.close()
        worker1.disconnect()
        worker1.send("ping")
        assert pong.wait(10), "worker 1 did not answer"
        for _ in range(NEW_CONNECTIONS):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                assert who_answers(sock) == b"2", "a disconnecting worker took a connection"
        held.close()
        worker2.disconnect()

    def on_exit(worker, code, signal):
        assert (code, signal) == (0, None), (worker.id, code, signal)

    ports = []

    def on_listening(worker, address):
        ports.append(address.port)
        if len(ports) == 2:
            assert ports[0] == ports[1], ports
            in_thread(clients, ports[0])

    cluster.on("listening", must_call(on_listening, 2))
    cluster.on("exit", must_call(on_exit, 2))
    worker1.on("message", must_call(lambda message, handle: pong.set()))
else:
    me = str(cluster.worker.id).encode()

    def handle(connection):
        connection.sendall(me)
        while connection.recv(100):
            pass
        connection.close()

    def serve(server):
        while True:
            connection, _ = server.accept()
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    cluster.process.on("message", lambda message, handle: cluster.process.send("pong"))
    in_thread(serve, socket.create_server(("127.0.0.1", 0)))
