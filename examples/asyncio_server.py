"""An asyncio server in every worker, unchanged: the primary shares the port.

Run it, then ``curl http://localhost:8000``.
"""

import asyncio
import os

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))


async def handle(reader, writer):
    await reader.readuntil(b"\r\n\r\n")
    body = f"Hello from worker {process.pid}\n".encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    writer.write(head.encode() + body)
    await writer.drain()
    writer.close()


async def serve():
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if cluster.is_primary:
    print(f"Primary {process.pid} is running")
    for _ in range(cluster.available_parallelism()):
        cluster.fork()
    cluster.on("listening", lambda worker, address: print(f"worker {worker.id} on {address.port}"))
else:
    asyncio.run(serve())
