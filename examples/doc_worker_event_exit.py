"""Node's cluster docs, ``Worker`` ``Event: 'exit'``.

The worker ends as the command line says, so that each branch can be seen:
``python doc_worker_event_exit.py`` (exit 0), ``... 3`` (exit code 3) or ``...
SIGHUP`` (killed by that signal). The worker receives the same arguments.
"""

import sys

import cluster

process = cluster.process

if cluster.is_primary:
    worker = cluster.fork()

    @worker.on("exit")
    def on_exit(code, signal):
        if signal:
            print(f"worker was killed by signal: {signal}")
        elif code != 0:
            print(f"worker exited with error code: {code}")
        else:
            print("worker success!")

else:
    how = sys.argv[1] if len(sys.argv) > 1 else "0"
    if how.startswith("SIG"):
        process.kill(process.pid, how)
    else:
        process.exit(int(how))
