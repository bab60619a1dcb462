"""Helpers for the live-list tests: a local publisher server, a webhook receiver, CSL files.

* :class:`PublisherServer` — ``http.server`` in a thread serving routes that behave like real
  publishers (ETag / Last-Modified and 304s) or like broken ones (500s, slow bodies, cut-off
  bodies, HTML pages, gzip bombs). The code under test is the real download code.
* :class:`Receiver` — a local webhook endpoint keeping every POST (headers and body).
* CSL files in the official ``consolidated.json`` layout: ``tests/fixtures/monitor/csl_v1.json``
  holds real records (the 2026 trade.gov data, converted from the compact copy in
  ``../shared/data/lists``; regenerate with ``python tests/monitor/monitor_support.py``); tests derive
  later versions from it with :func:`csl_json` and :func:`el_record`.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS_DIR.parent
FIXTURES = TESTS_DIR / "fixtures" / "monitor"
SHARED = REPO_ROOT.parent / "shared" / "data" / "lists"
EL_SOURCE = "Entity List (EL) - Bureau of Industry and Security"


# ---------------------------------------------------------------- a publisher on localhost


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    etag: str | None = None  # when set, If-None-Match with it gets a 304
    last_modified: float | None = None  # epoch seconds; If-Modified-Since at/after it gets a 304
    delay: float = 0.0  # seconds before the headers
    stall: float = 0.0  # seconds after half the body (a read timeout)
    truncate: bool = False  # declare the full length, send half, close
    content_encoding: str | None = None  # "gzip": the body is sent as is with this header
    fail_first: int = 0  # answer 500 this many times first
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0


class _Handler(BaseHTTPRequestHandler):
    server_version = "TestPublisher/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        srv: PublisherServer = self.server.owner  # type: ignore[attr-defined]
        srv.requests.append((self.path, dict(self.headers.items())))
        route = srv.routes.get(self.path)
        if route is None:
            self._send(404, b"not found", "text/plain")
            return
        route.hits += 1
        if route.delay:
            time.sleep(route.delay)
        if route.fail_first and route.hits <= route.fail_first:
            self._send(500, b"internal error", "text/plain")
            return
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            self._send(304, b"", None, extra=self._validators(route))
            return
        ims = self.headers.get("If-Modified-Since")
        if route.last_modified is not None and ims and not route.etag:
            from email.utils import parsedate_to_datetime

            if parsedate_to_datetime(ims).timestamp() >= int(route.last_modified):
                self._send(304, b"", None, extra=self._validators(route))
                return
        if route.status != 200:
            self._send(route.status, route.body or b"error", route.content_type)
            return
        extra = {**self._validators(route), **route.headers}
        if route.content_encoding:
            extra["Content-Encoding"] = route.content_encoding
        if route.truncate or route.stall:
            half = len(route.body) // 2
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(route.body[:half])
            self.wfile.flush()
            if route.stall:
                time.sleep(route.stall)
                try:
                    self.wfile.write(route.body[half:])
                except OSError:
                    pass
            self.close_connection = True
            return
        self._send(200, route.body, route.content_type, extra=extra)

    def _validators(self, route: Route) -> dict[str, str]:
        h = {}
        if route.etag:
            h["ETag"] = route.etag
        if route.last_modified is not None:
            h["Last-Modified"] = formatdate(route.last_modified, usegmt=True)
        return h

    def _send(self, status: int, body: bytes, ctype: str | None, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class PublisherServer:
    """A local HTTP server; set ``routes[path] = Route(...)``, fetch ``url(path)``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        # A client giving up mid-body (a timeout, a size cap) is what some tests do: not an error.
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "PublisherServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


class _ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        rec: Receiver = self.server.owner  # type: ignore[attr-defined]
        rec.posts.append((dict(self.headers.items()), body))
        self.send_response(rec.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Receiver:
    """A webhook endpoint on localhost keeping every POST as (headers, body)."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ReceiverHandler)
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/clearway"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- CSL files


def load_v1() -> dict[str, Any]:
    return json.loads((FIXTURES / "csl_v1.json").read_text("utf-8"))


def csl_json(results: list[dict[str, Any]]) -> bytes:
    """A consolidated.json document holding ``results``."""
    sources = sorted({r["source"] for r in results})
    return json.dumps({"total": len(results), "sources_used": [{"source": s} for s in sources],
                       "results": results}, ensure_ascii=False, indent=1).encode("utf-8")


def el_record(name: str, *, rid: str, country: str = "CN", fr: str = "91 FR 12345", start: str = "2026-08-01",
              policy: str = "Presumption of denial.", aliases: list[str] | None = None) -> dict[str, Any]:
    """A new Entity List entry in the official JSON layout."""
    return {
        "id": rid, "source": EL_SOURCE, "entity_number": None, "type": None, "programs": [], "name": name,
        "title": None, "addresses": [{"address": "No. 1 Test Road", "city": "Hefei", "state": None,
                                      "postal_code": None, "country": country}],
        "federal_register_notice": fr, "start_date": start, "end_date": None, "standard_order": None,
        "license_requirement": "For all items subject to the EAR. (See §744.11 of the EAR).",
        "license_policy": policy, "call_sign": None, "vessel_type": None, "gross_tonnage": None,
        "gross_registered_tonnage": None, "vessel_flag": None, "vessel_owner": None, "remarks": None,
        "source_list_url": "https://www.bis.gov/entity-list", "alt_names": aliases or [], "citizenships": None,
        "dates_of_birth": None, "nationalities": None, "places_of_birth": None, "source_information_url": None,
        "ids": [],
    }


def _official_from_compact(entry: dict[str, Any], tables: dict[str, Any], n: int) -> dict[str, Any]:
    def tab(name: str, ref: Any) -> list[str]:
        if ref is None:
            return []
        refs = ref if isinstance(ref, list) else [ref]
        return [tables[name][r] if isinstance(r, int) else r for r in refs]

    src = tables["sources"][entry["s"]]
    countries = entry.get("c") or []
    return {
        "id": f"rec-{n:05d}",
        "source": src, "entity_number": entry.get("e"), "type": entry.get("t"),
        "programs": tab("programmes", entry.get("pg")), "name": entry["n"], "title": None,
        "addresses": [{"address": None, "city": None, "state": None, "postal_code": None, "country": c}
                      for c in countries],
        "federal_register_notice": entry.get("fr"), "start_date": None, "end_date": None,
        "license_requirement": "; ".join(tab("licenceRequirements", entry.get("lr"))) or None,
        "license_policy": "; ".join(tab("licencePolicies", entry.get("lp"))) or None,
        "remarks": None, "source_list_url": (tab("urls", entry.get("u")) or [None])[0],
        "alt_names": entry.get("a") or [], "ids": [],
    }


def make_fixtures() -> None:
    """Write tests/fixtures/monitor/ from the shared list data (run by hand; the output is committed)."""
    import shutil

    doc = json.loads(gzip.decompress((SHARED / "us_csl_2026-07-31.compact.json.gz").read_bytes()))
    tables = doc["tables"]
    want = {"Entity List (EL) - Bureau of Industry and Security": 60,
            "Specially Designated Nationals (SDN) - Treasury Department": 40,
            "Military End User (MEU) List - Bureau of Industry and Security": 10,
            "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department": 10,
            "Unverified List (UVL) - Bureau of Industry and Security": 10}
    taken: dict[str, int] = {k: 0 for k in want}
    results = []
    for i, e in enumerate(doc["entries"]):
        src = tables["sources"][e["s"]]
        if src in want and taken[src] < want[src] and ("CN" in (e.get("c") or []) or src.startswith("Special")):
            taken[src] += 1
            results.append(_official_from_compact(e, tables, i))
    sample = json.loads((TESTS_DIR / "fixtures" / "csl_consolidated_sample.json").read_text("utf-8"))["results"]
    results = sample + results
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "csl_v1.json").write_bytes(csl_json(results))
    for name in ("us_bis_mieu.csv", "us_fcc_covered_list.csv"):
        shutil.copy(SHARED / name, FIXTURES / name)
    print(f"wrote {FIXTURES}: {len(results)} CSL records {taken}")


# ---------------------------------------------------------------- processes


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
    for k in ("COLUMNS", "LINES", "FORCE_COLOR"):
        env.pop(k, None)
    env.update(NO_COLOR="1", PYTHONIOENCODING="utf-8", CLEARWAY_HOME=str(home), COLUMNS="200")
    env.update(extra)
    return env


def clearway(home: Path, *args: str, timeout: float = 180, **env: str) -> subprocess.CompletedProcess:
    """``clearway ARGS`` in a subprocess with CLEARWAY_HOME = ``home``."""
    return subprocess.run([sys.executable, "-m", "clearway", *map(str, args)], capture_output=True, text=True,
                          env=clean_env(home, **env), timeout=timeout, stdin=subprocess.DEVNULL)


if __name__ == "__main__":
    make_fixtures()


def modified_compact(tmp: Path, day: str, add_el: list[str] = (), remove_first: int = 0) -> Path:
    """The real 2026-07-31 compact CSL with Entity List entries added (and entries removed), dated ``day``."""
    doc = json.loads(gzip.decompress((SHARED / "us_csl_2026-07-31.compact.json.gz").read_bytes()))
    el = doc["tables"]["sources"].index(EL_SOURCE)
    for name in add_el:
        doc["entries"].append({"n": name, "s": el, "c": ["CN"], "lr": 0, "lp": 0, "fr": "91 FR 10001", "u": 3})
        doc["countsBySource"][EL_SOURCE] += 1
    for e in doc["entries"][:remove_first]:
        doc["countsBySource"][doc["tables"]["sources"][e["s"]]] -= 1
    doc["entries"] = doc["entries"][remove_first:]
    doc["sourceGeneratedAt"] = f"{day}T13:00:00+00:00"
    path = tmp / f"us_csl_{day}.compact.json.gz"
    path.write_bytes(gzip.compress(json.dumps(doc).encode("utf-8"), compresslevel=1))
    return path
