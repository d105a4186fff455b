"""asyncio's servers on the default (selector) event loop, unchanged, in two workers
that share their ports (``fw_asyncio.py <start_server|create_server> <host>``).

``start_server`` runs under ``asyncio.run``; ``create_server`` is called on the loop of
the classic ``new_event_loop``/``run_until_complete``/``run_forever`` pattern. Host ""
makes asyncio bind one socket per address family, each with its own port.
"""

import asyncio
import sys

from fw_common import http_answer, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    kind, host = sys.argv[1], sys.argv[2]

    async def handle(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(http_answer())
        await writer.drain()
        writer.close()

    class Answer(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.head = b""

        def data_received(self, data):
            self.head += data
            if b"\r\n\r\n" in self.head:
                self.transport.write(http_answer())
                self.transport.close()

    async def serve():
        server = await asyncio.start_server(handle, host, 0)
        async with server:
            await server.serve_forever()

    if kind == "start_server":
        asyncio.run(serve())
    else:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(loop.create_server(Answer, host, 0))
        loop.run_forever()
