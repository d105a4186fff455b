"""A 'message' listener added right after ``fork()`` hears the worker's messages while
the primary's main thread is still busy (here: waiting for exactly that message), even
though nobody listens to the worker's 'online' or the module's 'fork'.

SPEC.md/_loop: an event is held only while *nobody listens to it*; Python's main
thread can block (a server loop, ``input()``, a wait) where Node's script cannot.
"""

import threading

import cluster

if cluster.is_worker:
    cluster.process.send("hello")
else:
    worker = cluster.fork()
    arrived = threading.Event()
    worker.on("message", lambda message, handle: arrived.set())
    cluster.on("message", lambda worker_, message, handle: None)
    heard = arrived.wait(5)
    worker.kill()
    assert heard, "the 'message' listener was not called while the main thread waited"
    print("heard while busy")
