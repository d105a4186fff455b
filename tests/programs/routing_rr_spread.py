"""Round-robin is fair: 400 fresh connections, one request each, made one after another
from one client thread, are spread over 4 workers within 10% of even (90..110 each)."""

from collections import Counter

from routing_common import answered_by, ask, serve_ids, start_workers

import cluster
from must import must_call

WORKERS = 4
REQUESTS = 400

if cluster.is_primary:
    address = start_workers(WORKERS)
    counts = Counter(answered_by(ask(("127.0.0.1", address.port))) for _ in range(REQUESTS))
    print("counts", " ".join(str(counts[i]) for i in sorted(cluster.workers)))
    assert sorted(counts) == sorted(cluster.workers), counts
    assert all(90 <= n <= 110 for n in counts.values()), counts
    cluster.disconnect(must_call())
else:
    serve_ids()
