"""Port of test-cluster-setup-primary-argv.js: ``settings['args']`` is a snapshot of
``sys.argv[1:]`` taken when ``setup_primary()`` runs, and 'setup' fires."""

import sys

import cluster
from must import must_call

assert cluster.is_primary
assert sys.argv[-1] != "OMG,OMG"
sys.argv.append("OMG,OMG")
sys.argv.append("OMG,OMG")
argv_at_call = list(sys.argv[1:])


def on_setup(settings):
    args = cluster.settings["args"]
    assert args[-1] == "OMG,OMG"
    assert args == argv_at_call, (args, argv_at_call)
    assert settings["args"] == argv_at_call
    print("setup args", args)


cluster.on("setup", must_call(on_setup))
cluster.setup_primary()
sys.argv.append("later")  # after the call: not in the snapshot
assert cluster.settings["args"] == argv_at_call
