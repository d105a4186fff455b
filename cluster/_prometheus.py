"""``GET /metrics`` in Prometheus's text exposition format, served by the primary.

Written by hand (a few lines of text; prometheus_client would be a dependency for
that) from :func:`cluster._metrics.cluster_metrics`, on a small stdlib thread that
asks the cluster's event thread for the figures: it is never routed to a worker.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._metrics import ClusterMetrics, cluster_metrics

# (name, type, help, field of WorkerMetrics)
WORKER_SERIES = (
    ("cluster_worker_up", "gauge", "1 while the worker is listening or online", None),
    ("cluster_worker_uptime_seconds", "gauge", "seconds since the worker was forked", "uptime"),
    ("cluster_worker_restarts_total", "counter", "restarts of the worker's slot", "restarts"),
    ("cluster_worker_cpu_percent", "gauge", "CPU use, percent of one core", "cpu_percent"),
    ("cluster_worker_resident_memory_bytes", "gauge", "resident memory", "rss"),
    (
        "cluster_worker_connections_handed_total",
        "counter",
        "connections handed to it",
        "connections_handed",
    ),
    (
        "cluster_worker_connections_queued",
        "gauge",
        "connections handed, not accepted yet",
        "connections_queued",
    ),
    (
        "cluster_worker_messages_sent_total",
        "counter",
        "messages the primary sent it",
        "messages_sent",
    ),
    (
        "cluster_worker_messages_received_total",
        "counter",
        "messages the primary got from it",
        "messages_received",
    ),
)


def exposition(metrics: ClusterMetrics) -> str:
    """The figures as Prometheus text (version 0.0.4)."""
    lines: list[str] = []
    for name, kind, text, figure in (
        ("cluster_primary_cpu_percent", "gauge", "the primary's CPU use", metrics.cpu_percent),
        ("cluster_primary_resident_memory_bytes", "gauge", "the primary's RSS", metrics.rss),
        (
            "cluster_primary_uptime_seconds",
            "gauge",
            "seconds since the primary began",
            metrics.uptime,
        ),
        ("cluster_workers", "gauge", "live workers", len(metrics.workers)),
        (
            "cluster_workers_wanted",
            "gauge",
            "workers the supervisor keeps",
            metrics.wanted if metrics.wanted is not None else len(metrics.workers),
        ),
    ):
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {figure}"]
    for name, kind, text, field in WORKER_SERIES:
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        for worker in metrics.workers:
            labels = f'{{worker="{worker.id}",pid="{worker.pid}"}}'
            if field is None:
                value: Any = int(worker.state in ("listening", "online"))
            else:
                value = getattr(worker, field)
            lines.append(f"{name}{labels} {value}")
    return "\n".join(lines) + "\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404)
            return
        body = exposition(cluster_metrics()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def parse_address(text: str) -> tuple[str, int]:
    """``"127.0.0.1:9100"`` or ``":9100"`` as (host, port); ``ValueError`` naming it."""
    host, _, port = text.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"invalid metrics address {text!r}: HOST:PORT, e.g. 127.0.0.1:9100")
    return host.strip("[]") or "0.0.0.0", int(port)


def serve(address: str) -> ThreadingHTTPServer:
    """Start serving /metrics on ``address`` in a daemon thread; ``shutdown()`` ends it."""
    server = ThreadingHTTPServer(parse_address(address), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="cluster-metrics", daemon=True).start()
    return server
