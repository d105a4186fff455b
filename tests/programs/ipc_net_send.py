"""Port of test-cluster-net-send.js, over the cluster's own channel: a worker sends
one end of a connected socket to the primary with a message; after the primary says
'got', the worker writes 'hello' on the other end and closes it, and the primary
reads exactly that from the socket it received.

Node's child listens on TCP and sends its client socket; here the worker makes the
connected pair with ``socket.socketpair()`` (servers in workers belong to the
``servers`` area). By default the sender's copy of a connected socket is closed once
it has been sent (Node's ``keepOpen: false``).
"""

import queue
import socket
import threading

import cluster
from must import must_call

if cluster.is_worker:
    ours, theirs = socket.socketpair()

    def sent(error):
        assert error is None, error
        assert theirs.fileno() == -1, "the sent copy should be closed (keep_open=False)"

    def on_message(message, handle):
        assert message == "got", message
        ours.sendall(b"hello")
        ours.close()

    cluster.process.once("message", must_call(on_message))
    assert cluster.process.send("handle", theirs, callback=must_call(sent)) is True
else:
    worker = cluster.fork()

    def read_all(handle: socket.socket) -> bytes:
        handle.settimeout(10)
        chunks = []
        while chunk := handle.recv(4096):
            chunks.append(chunk)
        return b"".join(chunks)

    def reader(handle: socket.socket) -> None:
        try:
            with handle:
                results.put(read_all(handle))
        finally:
            worker.kill()

    results: queue.Queue = queue.Queue()

    def on_message(message, handle):
        assert message == "handle", message
        assert isinstance(handle, socket.socket), handle
        worker.send("got")
        threading.Thread(target=reader, args=(handle,), daemon=True).start()

    worker.once("message", must_call(on_message))

    def on_exit(code, signal):
        assert (code, signal) == (None, "SIGTERM"), (code, signal)
        result = results.get_nowait()
        assert result == b"hello", result
        print("read", result.decode())

    worker.on("exit", must_call(on_exit))
