"""uvicorn, unchanged, in two workers that share one port
(``fw_uvicorn.py <asyncio|uvloop> <host>``).

On the asyncio loop it runs under SCHED_RR, the primary handing out connections. uvloop
accepts in C, so the test runs it under SCHED_NONE (NODE_CLUSTER_SCHED_POLICY=none):
each worker gets the primary's listening socket itself.
"""

import sys

from fw_common import identity, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    import uvicorn

    async def app(scope, receive, send):
        assert scope["type"] == "http"
        body = identity().encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(
        app, host=sys.argv[2], port=0, loop=sys.argv[1], lifespan="off", log_level="warning"
    )
