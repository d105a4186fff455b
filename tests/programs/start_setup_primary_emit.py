"""Port of test-cluster-setup-primary-emit.js: each ``setup_primary()`` call emits
'setup' with the settings it made, including a call with no settings; the second
call is made from the first 'setup' listener."""

import threading

import cluster
from must import must_call

assert cluster.is_primary
done = threading.Event()


def second_setup(settings):
    assert "exec" in settings
    assert settings["exec"] == "new-exec"  # kept from the first call
    print("second setup")
    done.set()


def first_setup(settings):
    assert settings["exec"] == "new-exec"
    print("first setup")
    cluster.once("setup", must_call(second_setup))
    cluster.setup_primary()


cluster.once("setup", must_call(first_setup))
cluster.setup_primary(exec="new-exec")
assert done.wait(10), "the second 'setup' never came"
