"""The seed tutorial's graceful shutdown: Ctrl+C asks every worker to disconnect.

Each worker stops taking new connections, finishes the ones it has, and exits; the
primary gives them five seconds, then exits itself.
"""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

num_cpus = cluster.available_parallelism()
process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    print(f"Primary {process.pid} is running")

    for _ in range(num_cpus):
        cluster.fork()

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        print(f"worker {worker.process.pid} died")

    # Handle SIGINT (Ctrl+C) for graceful shutdown
    @process.on("SIGINT")
    def on_sigint(signal):
        print("SIGINT received. Shutting down workers...")
        for id in list(cluster.workers):
            worker = cluster.workers.get(id)
            if worker:
                print(f"Sending disconnect to worker {worker.process.pid}")
                worker.disconnect()  # Ask worker to disconnect

        # Allow workers time to disconnect before primary exits
        def exit_primary():
            print("Exiting primary process.")
            process.exit(0)

        threading.Timer(5.0, exit_primary).start()  # Adjust timeout as needed

else:

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Hello from worker {process.pid}\n".encode())

    server = ThreadingHTTPServer(("", port), Hello)
    print(f"Worker {process.pid} started")

    @process.on("disconnect")
    def on_disconnect():
        print(f"Worker {process.pid} disconnecting...")
        # Perform any cleanup here, e.g., close database connections

    server.serve_forever()
