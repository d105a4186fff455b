"""Port of test-cluster-rr-ref.js: under round-robin, a worker's asyncio server is
closed and ``wait_closed()`` returns (Node's ``server.close(callback)`` calls back; its
unref()/ref() have no Python twin); the worker tells the primary, which kills it."""

import asyncio

import cluster
from must import must_call, must_not_call

if cluster.is_primary:
    cluster.scheduling_policy = cluster.SCHED_RR

    def on_message(message, handle):
        assert message == "done", message
        worker.kill()

    def on_exit(code, signal):
        assert (code, signal) == (None, "SIGTERM"), (code, signal)

    worker = cluster.fork()
    worker.on("listening", must_call())
    worker.on("message", must_call(on_message))
    worker.on("exit", must_call(on_exit))
else:

    async def main():
        server = await asyncio.start_server(must_not_call("a connection"), "127.0.0.1", 0)
        server.close()
        await asyncio.wait_for(server.wait_closed(), 10)
        cluster.process.send("done")

    asyncio.run(main())
