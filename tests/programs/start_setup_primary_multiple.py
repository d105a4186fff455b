"""Port of test-cluster-setup-primary-multiple.js: three ``setup_primary()`` calls made
100 ms apart (from timer threads) each emit their own 'setup', carrying that call's
``exec``."""

import threading

import cluster

assert cluster.is_primary

EXECS = ["python-next", "python-next-2", "python-next-3"]
configs: list[dict] = []
all_seen = threading.Event()


def on_setup(settings):
    configs.append({"event": dict(settings), "module": dict(cluster.settings)})
    if len(configs) == len(EXECS):
        all_seen.set()


cluster.on("setup", on_setup)

timers = [
    threading.Timer(i * 0.1, cluster.setup_primary, kwargs={"exec": exec_})
    for i, exec_ in enumerate(EXECS)
]
for timer in timers:
    timer.start()

assert all_seen.wait(10), f"only {len(configs)} 'setup' events"
for timer in timers:
    timer.join()
assert len(configs) == len(EXECS), configs
for config, exec_ in zip(configs, EXECS, strict=True):
    assert config["event"]["exec"] == exec_, (config, exec_)
    assert config["module"]["exec"] == exec_, (config, exec_)
print("setup events:", [config["event"]["exec"] for config in configs])
