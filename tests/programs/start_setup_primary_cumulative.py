"""Port of test-cluster-setup-primary-cumulative.js: ``settings`` is empty until first
used, ``setup_primary()`` fills the defaults, and later calls merge into what is set."""

import os
import sys

import cluster

assert cluster.is_primary

# Nothing is set up until needed.
assert cluster.settings == {}

# What the worker would run: this script, its arguments, the interpreter's flags.
script = os.path.abspath(sys.argv[0])
flags = sys.orig_argv[1 : sys.orig_argv.index(sys.argv[0])]

cluster.setup_primary()
assert cluster.settings == {
    "args": sys.argv[1:],
    "exec": script,
    "exec_argv": flags,
    "silent": False,
}, cluster.settings
print("ok sets defaults", flags)

cluster.setup_primary(exec="overridden")
assert cluster.settings["exec"] == "overridden"
print("ok overrides defaults")

cluster.setup_primary(args=["foo", "bar"])
assert cluster.settings["exec"] == "overridden"
assert cluster.settings["args"] == ["foo", "bar"]

cluster.setup_primary(exec_argv=["baz", "bang"])
assert cluster.settings["exec"] == "overridden"
assert cluster.settings["args"] == ["foo", "bar"]
assert cluster.settings["exec_argv"] == ["baz", "bang"]
print("ok preserves unchanged settings on repeated calls")

before = cluster.settings
cluster.setup_primary()
assert cluster.settings == {
    "args": ["foo", "bar"],
    "exec": "overridden",
    "exec_argv": ["baz", "bang"],
    "silent": False,
}, cluster.settings
assert cluster.settings is not before  # each call stores a new mapping, as Node's
print("ok preserves current settings")
