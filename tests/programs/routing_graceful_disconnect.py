"""worker.disconnect() is graceful: a request in flight on a worker (its handler waits
for the rest of the request, which the client sends later) is served to the end; new
connections after the disconnect() call go to the other worker; the disconnected worker
emits 'disconnect' only after that request is done, and exits 0 with
exited_after_disconnect True."""

import socket
import socketserver
import threading

from routing_common import TIMEOUT, start_workers

import cluster
from must import must_call

WORKERS = 2
LATER = 6  # requests after the disconnect() call


def exchange(sock, rfile, line):
    sock.sendall(line.encode() + b"\n")
    return rfile.readline().decode().split()


if cluster.is_primary:
    address = start_workers(WORKERS)
    rest_sent = threading.Event()

    def request(sock):
        with sock.makefile("rb") as rfile:
            word, started_by = exchange(sock, rfile, "start")
            assert word == "started", word
            yield int(started_by)
            word, done_by = exchange(sock, rfile, "rest")
            assert (word, int(done_by)) == ("done", int(started_by)), (word, done_by)
            assert rfile.read() == b"", "the handler closes after 'done'"
            yield int(done_by)

    in_flight = socket.create_connection(("127.0.0.1", address.port), timeout=TIMEOUT)
    steps = request(in_flight)
    first = cluster.workers[next(steps)]
    other = next(w for w in cluster.workers.values() if w is not first)

    def first_disconnected():
        assert rest_sent.is_set(), "disconnected before its request was done"

    first_gone = threading.Event()
    first.on("disconnect", must_call(first_disconnected))
    first.on("exit", must_call(lambda code, signal: first_gone.set()))
    first.disconnect()
    later = []
    for _ in range(LATER):
        with socket.create_connection(("127.0.0.1", address.port), timeout=TIMEOUT) as sock:
            later.extend(request(sock))
    print("later requests served by", " ".join(map(str, later[::2])))
    assert later == [other.id] * (2 * LATER), later
    rest_sent.set()
    assert next(steps) == first.id
    in_flight.close()
    print("in-flight request served to the end")
    assert first_gone.wait(TIMEOUT), "the disconnected worker did not exit"
    cluster.disconnect(must_call())
else:

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            assert self.rfile.readline() == b"start\n"
            self.wfile.write(f"started {cluster.worker.id}\n".encode())
            assert self.rfile.readline() == b"rest\n"
            self.wfile.write(f"done {cluster.worker.id}\n".encode())

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True

    Server(("127.0.0.1", 0), Handler).serve_forever()
