"""Port of test-cluster-call-and-destroy.js: after a worker disconnects itself, the
primary's 'disconnect' listener sees is_connected() False and may call destroy()."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()

    def on_disconnect():
        assert worker.is_connected() is False
        worker.destroy()

    worker.on("disconnect", must_call(on_disconnect))
    worker.on("exit", must_call())
else:
    assert cluster.worker.is_connected() is True
    cluster.worker.disconnect()
