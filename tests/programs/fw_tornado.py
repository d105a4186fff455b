"""tornado, unchanged, in two workers that share their ports (``fw_tornado.py <host>``).

Host "" makes tornado bind 0.0.0.0 and [::] (IPV6_V6ONLY on) on the same port."""

import asyncio
import sys

from fw_common import identity, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    import tornado.web

    class Index(tornado.web.RequestHandler):
        def get(self):
            self.write(identity())

    async def serve():
        app = tornado.web.Application([("/", Index)], log_function=lambda handler: None)
        app.listen(0, sys.argv[1])
        await asyncio.Event().wait()

    asyncio.run(serve())
