"""SCHED_REUSEPORT, in one of four scenes (argv[1]):

- ``spread``: 2 workers; 200 fresh connections; both answer, each on a socket of its
  own (the inode of its server socket, in every answer, differs).
- ``kill``: worker 1 takes one connection and hangs in it (the in-flight one), so
  that a queue forms behind it; once it sees that queue, it is killed with SIGKILL
  while 4 clients open connection after connection, not waiting for answers (a storm
  of handshakes while the primary drains and closes worker 1's socket). Every
  connection but the in-flight one is answered, by worker 2 (the queued ones too):
  none is reset.
- ``disconnect``: the same queue, then ``worker.disconnect()``: the in-flight request
  is answered by worker 1 once it is released, the queued ones by worker 2; none fails.
- ``late``: 1 worker serves; a second, forked later, gets a socket of its own, and
  both answer 200 fresh connections.

Answers are ``<worker id> <inode of its server socket>``; the program prints what it
saw and exits 0 when its checks hold.
"""

import os
import socket
import socketserver
import sys
import threading
from collections import Counter

import cluster
from must import must_call

TIMEOUT = 10.0
QUEUE = 40  # connections made while worker 1 hangs
SCENE = sys.argv[1]
cluster.scheduling_policy = cluster.SCHED_REUSEPORT


def ask(port):
    """One request on a fresh connection: the answering worker's id and socket inode,
    or the name of what went wrong."""
    with connect(port) as sock:
        return answer_of(sock)


def answer_of(sock):
    """What came back on ``sock`` (see ``ask``)."""
    try:
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
        worker_id, inode = b"".join(chunks).decode().split()
        return int(worker_id), int(inode)
    except (OSError, ValueError) as exc:
        return type(exc).__name__


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.sendall(b"hi\n")
    return sock


class Answer(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            self.rfile.readline()
            if cluster.worker.id == 1 and SCENE in ("kill", "disconnect"):
                hang(self.server.socket)
            inode = os.fstat(self.server.socket.fileno()).st_ino
            self.wfile.write(f"{cluster.worker.id} {inode}\n".encode())
        except OSError:
            pass


released = threading.Event()


def hang(server_socket):
    """Hold this connection; tell the primary once others wait behind it."""
    import select

    readable, _, _ = select.select([server_socket], [], [], TIMEOUT)
    cluster.process.send("queued" if readable else "nothing queued")
    released.wait()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a storm's connections queue, not overflow (SYNs dropped)


class OneAtATime(socketserver.TCPServer):
    allow_reuse_address = True
    request_queue_size = 128  # room for the queue


def listening_port(workers):
    """The port, once every one of ``workers`` listens."""
    ready = threading.Condition()
    seen = {}

    def on_listening(worker, address):
        with ready:
            seen[worker.id] = address.port
            ready.notify_all()

    cluster.on("listening", on_listening)
    with ready:
        assert ready.wait_for(lambda: all(w.id in seen for w in workers), TIMEOUT)
    cluster.off("listening", on_listening)
    (port,) = set(seen.values())
    return port


def spread(port, count=200):
    answers = Counter(ask(port) for _ in range(count))
    print("spread", sorted(answers.items(), key=str))
    workers = {a[0] for a in answers if isinstance(a, tuple)}
    inodes = {a[1] for a in answers if isinstance(a, tuple)}
    assert sum(answers.values()) == count and workers == {1, 2}, answers
    assert len(inodes) == 2, "each worker has a socket of its own"
    assert all(n >= 10 for n in answers.values()), answers


def queue_behind_worker_1(first, port):
    """Connections that worker 1 hangs on or has queued; returns them once it says
    others wait behind the one it holds."""
    said = []
    heard = threading.Event()

    def on_message(message, handle):
        said.append(message)
        heard.set()

    first.on("message", on_message)
    clients = [connect(port) for _ in range(QUEUE)]
    assert heard.wait(TIMEOUT) and said == ["queued"], said
    return clients


def storm(port, exited, clients=4, after_exit=50, most=200):
    """``clients`` threads opening connections (each sends its request at once) until
    each has opened ``after_exit`` more since ``exited`` was set, or ``most``; the
    connections, to be read later, and the names of the errors met while connecting."""
    connections, errors = [], []
    lock = threading.Lock()
    started = threading.Barrier(clients + 1)

    def client():
        since_exit = 0
        for n in range(most):
            try:
                sock = connect(port)
            except OSError as exc:
                sock = type(exc).__name__
            with lock:
                (connections if isinstance(sock, socket.socket) else errors).append(sock)
            if n == 10:
                started.wait(TIMEOUT)
            since_exit += exited.is_set()
            if since_exit >= after_exit:
                return

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    started.wait(TIMEOUT)  # every client is storming
    return threads, connections, errors


if cluster.is_primary:
    if SCENE == "late":
        first = cluster.fork()
        port = listening_port([first])
        assert {ask(port) for _ in range(20)} == {ask(port)}, "one worker answers all"
        second = cluster.fork()
        listening_port([second])
        spread(port)
    else:
        first, second = cluster.fork(), cluster.fork()
        port = listening_port([first, second])
    if SCENE == "spread":
        spread(port)
    elif SCENE == "kill":
        exited = threading.Event()
        first.on("exit", must_call(lambda code, signal: exited.set()))
        clients = queue_behind_worker_1(first, port)
        threads, connections, errors = storm(port, exited)
        first.process.kill("SIGKILL")
        answers = [answer_of(sock) for sock in clients]
        for thread in threads:
            thread.join()
        stormed = Counter(a if isinstance(a, str) else a[0] for a in map(answer_of, connections))
        for sock in clients + connections:
            sock.close()
        assert exited.wait(TIMEOUT) and first.process.signal_code == "SIGKILL"
        queued = Counter(a if isinstance(a, str) else a[0] for a in answers)
        print("queued", sorted(queued.items(), key=str), "storm", sorted(stormed, key=str))
        assert not errors, errors
        assert sum(isinstance(a, str) for a in answers) == 1, "only the in-flight one is lost"
        assert queued[2] == QUEUE - 1 and set(stormed) == {2}, (queued, stormed)
        assert sum(stormed.values()) >= 4 * 50, stormed
    elif SCENE == "disconnect":
        clients = queue_behind_worker_1(first, port)
        exits = []
        exited = threading.Event()
        first.on(
            "exit", must_call(lambda code, signal: (exits.append((code, signal)), exited.set()))
        )
        first.disconnect()
        first.send("release")
        answers = Counter(
            a if isinstance(a, str) else a[0] for a in (answer_of(sock) for sock in clients)
        )
        assert exited.wait(TIMEOUT)
        print("worker 1 exit", *exits[0])
        print("answers", sorted(answers.items(), key=str))
        assert answers == {1: 1, 2: QUEUE - 1}, answers
    cluster.disconnect(must_call())
else:
    hangs = cluster.worker.id == 1 and SCENE in ("kill", "disconnect")
    cluster.process.on("message", lambda message, handle: released.set())
    with (OneAtATime if hangs else Server)(("127.0.0.1", 0), Answer) as server:
        server.serve_forever()
