"""Structured JSON logs and Prometheus metrics: what operators plug into their monitoring."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timezone

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger("clearway")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if extra:
            out.update(extra)
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("clearway")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


class Metrics:
    """One registry per app, so several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("clearway_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("clearway_request_seconds", "HTTP request latency", ["route"],
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
                                 registry=self.registry)
        self.screenings = Counter("clearway_screenings_total", "Names screened", ["channel"], registry=self.registry)
        self.matches = Counter("clearway_matches_total", "Matches reported", ["channel"], registry=self.registry)
        self.list_entities = Gauge("clearway_list_entities", "Entities loaded per list", ["list"], registry=self.registry)
        self.list_version = Gauge("clearway_list_version_info", "Loaded list versions (value 1)",
                                  ["source", "published", "hash"], registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def log_request(method: str, path: str, status: int, started: float, key_id: str | None) -> None:
    log.info("request", extra={"fields": {
        "event": "request", "method": method, "path": path, "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 2), "key": key_id,
    }})
