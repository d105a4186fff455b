"""aiohttp, unchanged, in two workers that share their ports
(``fw_aiohttp.py <run_app|runner> <host>``): ``web.run_app``, or an ``AppRunner`` with a
``TCPSite``."""

import asyncio
import sys

from fw_common import identity, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    from aiohttp import web

    kind, host = sys.argv[1], sys.argv[2]

    async def index(request):
        return web.Response(text=identity())

    app = web.Application()
    app.router.add_get("/", index)

    async def serve():
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, 0).start()
        await asyncio.Event().wait()

    if kind == "run_app":
        web.run_app(app, host=host, port=0, print=None, access_log=None)
    else:
        asyncio.run(serve())
