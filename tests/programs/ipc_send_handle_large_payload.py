"""Port of sequential/test-cluster-send-handle-large-payload.js: a message of about
800 KB carrying a connected socket goes primary -> worker -> primary, and both the
payload and the socket arrive intact."""

import socket

import cluster
from must import must_call

PAYLOAD = "a" * 800004

if cluster.is_worker:

    def on_message(message, handle):
        assert message["payload"] == PAYLOAD
        assert isinstance(handle, socket.socket), handle
        cluster.process.send({"payload": message["payload"]}, handle)

    cluster.process.on("message", must_call(on_message))
else:
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname(), timeout=10)
    connection, _ = server.accept()
    worker = cluster.fork()
    worker.send({"payload": PAYLOAD}, connection)

    def on_message(message, handle):
        assert message["payload"] == PAYLOAD
        assert isinstance(handle, socket.socket), handle
        # The same connection: its peer is our client, and data still flows.
        assert handle.getpeername() == client.getsockname()
        handle.sendall(b"ping")
        assert client.recv(4) == b"ping"
        handle.close()
        client.close()
        server.close()
        worker.disconnect()

    worker.on("message", must_call(on_message))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert connection.fileno() == -1  # keep_open defaults to False
        print("payload and handle intact")

    worker.on("exit", must_call(on_exit))
