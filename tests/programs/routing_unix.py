"""A Unix-socket server path is routed like a TCP port: two workers serving
socketserver.ThreadingUnixStreamServer on one path share the primary's socket, take
turns answering clients that connect to the path, report it in 'listening' (address
type -1, no port), and the socket file is gone once the last worker has disconnected."""

import os
import socket
import socketserver
import tempfile

from routing_common import answered_by, ask, serve_ids, start_workers

import cluster
from must import must_call

WORKERS = 2
REQUESTS = 20

if cluster.is_primary:
    directory = tempfile.mkdtemp(prefix="cluster-routing-")
    path = os.path.join(directory, "server.sock")
    address = start_workers(WORKERS, {"ROUTING_SOCKET": path})
    assert (address.address, address.port, address.address_type) == (path, None, -1), address
    answers = [answered_by(ask(path, family=socket.AF_UNIX)) for _ in range(REQUESTS)]
    print("answers", " ".join(map(str, answers)))
    assert sorted(set(answers)) == sorted(cluster.workers), answers
    assert all(answers.count(i) == REQUESTS // WORKERS for i in cluster.workers), answers

    def all_disconnected():
        assert not os.path.exists(path), "the primary should remove the socket file"
        os.rmdir(directory)
        print("socket file removed")

    cluster.disconnect(must_call(all_disconnected))
else:

    class Server(socketserver.ThreadingUnixStreamServer):
        daemon_threads = True

    serve_ids(os.environ["ROUTING_SOCKET"], Server)
