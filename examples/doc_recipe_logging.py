"""Recipe: logging from workers, written by the primary alone.

Each worker's ``logging`` sends its records to the primary as messages; the
primary hands them to its own handlers, so one process writes the log (one file,
no lines mixed up, rotation in one place), and each record keeps the worker's
pid and name.

The workers log a line and an error with its traceback, then leave.
"""

import logging
import sys

import cluster

process = cluster.process
logging.basicConfig(
    stream=sys.stdout,
    level=logging.INFO,
    format="%(levelname)s pid=%(process)d %(name)s: %(message)s",
)


class ToPrimary(logging.Handler):
    """A worker's handler: send every record to the primary."""

    def emit(self, record):
        try:
            process.send({"log": json_fields(record)})
        except (TypeError, ValueError, OSError):
            self.handleError(record)


def json_fields(record):
    """What JSON can carry of a record, its message and traceback formatted."""
    fields = dict(record.__dict__, msg=record.getMessage(), args=None, exc_info=None)
    if record.exc_info:
        fields["exc_text"] = logging.Formatter().formatException(record.exc_info)
    simple = (str, int, float, type(None))
    return {key: value for key, value in fields.items() if isinstance(value, simple)}


if cluster.is_primary:

    @cluster.on("message")
    def on_message(worker, message, handle):
        if isinstance(message, dict) and "log" in message:
            record = logging.makeLogRecord(message["log"])
            logging.getLogger(record.name).handle(record)

    for _ in range(2):
        cluster.fork()

else:
    logging.getLogger().handlers[:] = [ToPrimary()]
    log = logging.getLogger(f"worker.{cluster.worker.id}")

    log.info("started")
    try:
        int("forty-two")
    except ValueError:
        log.exception("something went wrong")
    cluster.worker.disconnect()
