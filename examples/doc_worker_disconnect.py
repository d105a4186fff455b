"""Node's cluster docs, ``worker.disconnect()``: disconnect a worker, and kill
it if it has not disconnected within two seconds.

The worker's server is a TCP server (port 8000; ``PORT`` picks another) whose
connections never end. Here no client connects, so the worker closes its server
and disconnects at once, and the timer is cancelled. Had a client been
connected, the worker could not have finished, and the primary would have killed
it after two seconds.
"""

import os
import socketserver
import threading

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    worker = cluster.fork()
    timeout = None

    @worker.on("listening")
    def on_listening(address):
        global timeout
        worker.send("shutdown")
        worker.disconnect()
        timeout = threading.Timer(2.0, worker.kill)
        timeout.start()

    @worker.on("disconnect")
    def on_disconnect():
        timeout.cancel()
        print("worker disconnected in time")

    @worker.on("exit")
    def on_exit(code, signal):
        print(f"worker exited: code {code}, signal {signal}")

elif cluster.is_worker:

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            # Connections never end
            threading.Event().wait()

    server = socketserver.ThreadingTCPServer(("", port), Handler)

    @process.on("message")
    def on_message(msg, handle):
        if msg == "shutdown":
            # Initiate graceful close of any connections to server
            print("worker: shutting down")

    server.serve_forever()
