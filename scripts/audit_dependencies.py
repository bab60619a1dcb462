#!/usr/bin/env python3
"""Known vulnerabilities in the installed dependencies: ``pip-audit``, or PyPI's project JSON.

Run it with the interpreter of the environment to audit (CI runs it after the tests)::

    .venv/bin/python scripts/audit_dependencies.py            # exit 1 on a known vulnerability
    .venv/bin/python scripts/audit_dependencies.py --json     # the findings as JSON on stdout

1. Every distribution installed in this interpreter's environment is listed
   (``importlib.metadata``). Distributions installed from a local directory or a VCS checkout
   (PEP 610 ``direct_url.json``: the project itself, editable installs) are not on PyPI and are
   skipped.
2. When ``pip-audit`` is installed and its vulnerability service answers (PyPI's per-release
   JSON, else OSV), its verdict is used. Its result is accepted only when it audited every
   PyPI distribution: pip-audit reports a package its service cannot find as skipped and still
   says "No known vulnerabilities found", so a run that skipped them counts as no run at all.
3. Otherwise each distribution's project JSON (``https://pypi.org/pypi/<name>/json``) is
   fetched. It lists the known vulnerabilities of the project's *latest* release only:

   * installed version == latest release: its vulnerabilities are the installed version's;
     any one of them fails the audit;
   * installed version older (or newer) than the latest release: the JSON says nothing about
     the installed version, so the package is listed as "behind latest, audited only by
     pip-audit" and does not fail the audit (the vulnerabilities of the latest release are
     shown beside it for information);
   * not on PyPI (404): skipped.

Exit status: 1 when a known vulnerability was found, 0 otherwise. Without any network at all the
audit cannot run: it says so loudly and exits 0, so a machine without network does not fail CI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

PYPI = "https://pypi.org/pypi"
OSV = "https://api.osv.dev/v1/query"


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_version(v: str):
    try:
        from packaging.version import InvalidVersion, Version
    except ImportError:  # packaging is vendored by pip when it is not installed on its own
        from pip._vendor.packaging.version import InvalidVersion, Version
    try:
        return Version(v)
    except InvalidVersion:
        return None


# -- what is installed -------------------------------------------------------------------------


@dataclass
class Dist:
    name: str  # canonical
    version: str
    local: str | None = None  # why it is not a PyPI package (editable, local directory, VCS)


def local_origin(dist: metadata.Distribution) -> str | None:
    """PEP 610: a distribution installed from a directory, a VCS or a local file is not PyPI's."""
    try:
        raw = dist.read_text("direct_url.json")
    except OSError:
        raw = None
    if not raw:
        return None
    try:
        info = json.loads(raw)
    except ValueError:
        return None
    if "dir_info" in info:
        return "editable install" if info["dir_info"].get("editable") else "installed from a local directory"
    if "vcs_info" in info:
        return f"installed from {info['vcs_info'].get('vcs', 'a VCS')}"
    if str(info.get("url", "")).startswith("file:"):
        return "installed from a local file"
    return None


def installed() -> list[Dist]:
    seen: dict[str, Dist] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if not name or canonical(name) in seen:  # the first one on sys.path is the one imported
            continue
        seen[canonical(name)] = Dist(canonical(name), dist.version, local_origin(dist))
    return sorted(seen.values(), key=lambda d: d.name)


# -- pip-audit, when it can work -------------------------------------------------------------


def pip_audit_command() -> list[str] | None:
    try:
        metadata.version("pip-audit")
        return [sys.executable, "-m", "pip_audit"]
    except metadata.PackageNotFoundError:
        exe = shutil.which("pip-audit")
        return [exe] if exe else None


def probe_services(client, dists: list[Dist]) -> tuple[str | None, list[str]]:
    """The pip-audit service that answers here ("pypi" or "osv"), and what was tried."""
    tried = []
    sample = next((d for d in dists if not d.local and d.name in ("pip", "httpx", "setuptools")), None) \
        or next((d for d in dists if not d.local), None)
    if sample is None:
        return None, tried
    url = f"{PYPI}/{sample.name}/{sample.version}/json"
    try:
        r = client.get(url)
        tried.append(f"{url} → {r.status_code}")
        if r.status_code == 200:
            return "pypi", tried
    except Exception as exc:  # any transport failure: the service is not usable
        tried.append(f"{url} → {type(exc).__name__}")
    try:
        r = client.post(OSV, json={"package": {"name": sample.name, "ecosystem": "PyPI"}, "version": sample.version})
        tried.append(f"{OSV} → {r.status_code}")
        if r.status_code == 200:
            return "osv", tried
    except Exception as exc:
        tried.append(f"{OSV} → {type(exc).__name__}")
    return None, tried


def run_pip_audit(cmd: list[str], service: str, dists: list[Dist], timeout: float) -> dict[str, Any] | None:
    """pip-audit's findings, or None when its run does not cover every PyPI distribution."""
    env = dict(os.environ, PIPAPI_PYTHON_LOCATION=sys.executable)  # audit this environment
    try:
        p = subprocess.run([*cmd, "-f", "json", "--progress-spinner", "off", "--skip-editable", "-s", service,
                            "--timeout", str(int(timeout))], capture_output=True, text=True, env=env,
                           timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"usable": False, "why": f"pip-audit did not run ({type(exc).__name__})"}
    try:
        doc = json.loads(p.stdout)
        deps = doc["dependencies"]
    except (ValueError, KeyError, TypeError):
        last = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return {"usable": False, "why": f"pip-audit failed (exit {p.returncode}): {last}"}
    local = {d.name for d in dists if d.local}
    skipped = [d for d in deps if d.get("skip_reason") and canonical(d["name"]) not in local]
    if skipped:
        return {"usable": False, "why": f"pip-audit could not audit {len(skipped)} of {len(deps)} distributions "
                                        f"({skipped[0]['skip_reason']})"}
    vulns = [{"name": canonical(d["name"]), "version": d.get("version", ""), "id": v["id"],
              "aliases": v.get("aliases", []), "fixed_in": v.get("fix_versions", []),
              "summary": (v.get("description") or "").strip().splitlines()[0][:160] if v.get("description") else ""}
             for d in deps for v in d.get("vulns", [])]
    return {"usable": True, "service": service, "audited": sum(1 for d in deps if not d.get("skip_reason")),
            "vulnerabilities": vulns}


# -- PyPI's project JSON ---------------------------------------------------------------------


@dataclass
class Finding:
    dist: Dist
    status: str  # latest, behind, ahead, not-on-pypi, unchecked
    latest: str = ""
    vulns: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def vulns_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for v in doc.get("vulnerabilities") or []:
        if v.get("withdrawn"):
            continue
        out.append({"id": v.get("id", "?"), "aliases": v.get("aliases") or [], "fixed_in": v.get("fixed_in") or [],
                    "summary": (v.get("summary") or v.get("details") or "").strip().splitlines()[0][:160]
                    if (v.get("summary") or v.get("details")) else ""})
    return out


def check_project(client, dist: Dist) -> Finding:
    url = f"{PYPI}/{dist.name}/json"
    try:
        r = client.get(url)
    except Exception as exc:  # a transport failure: this one could not be checked
        return Finding(dist, "unchecked", error=type(exc).__name__)
    if r.status_code == 404:
        return Finding(dist, "not-on-pypi")
    if r.status_code != 200:
        return Finding(dist, "unchecked", error=f"HTTP {r.status_code}")
    try:
        doc = r.json()
        latest = doc["info"]["version"]
    except (ValueError, KeyError, TypeError):
        return Finding(dist, "unchecked", error="unreadable project JSON")
    vulns = vulns_of(doc)
    have, top = parse_version(dist.version), parse_version(latest)
    if have is not None and top is not None:
        same = have == top
        status = "latest" if same else ("behind" if have < top else "ahead")
    else:
        status = "latest" if dist.version == latest else "behind"
    return Finding(dist, status, latest, vulns)


def audit_project_json(dists: list[Dist], timeout: float, jobs: int) -> list[Finding]:
    import httpx

    todo = [d for d in dists if not d.local]
    with httpx.Client(timeout=timeout, follow_redirects=True, headers={"Accept": "application/json"}) as client:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            found = list(pool.map(lambda d: check_project(client, d), todo))
    return found + [Finding(d, "not-on-pypi", error=d.local or "") for d in dists if d.local]


# -- report ----------------------------------------------------------------------------------


def vuln_line(v: dict[str, Any]) -> str:
    aliases = [a for a in v["aliases"] if a != v["id"]]
    fixed = ", ".join(v["fixed_in"]) if v["fixed_in"] else "no fixed release yet"
    return f"{v['id']}{' (' + ', '.join(aliases) + ')' if aliases else ''}: fixed in {fixed}" \
           + (f" — {v['summary']}" if v.get("summary") else "")


def banner(lines: list[str]) -> str:
    width = max(len(s) for s in lines) + 4
    return "\n".join(["!" * width, *(f"! {s.ljust(width - 4)} !" for s in lines), "!" * width])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request (default 10)")
    ap.add_argument("--jobs", type=int, default=6, help="project JSON requests in parallel (default 6)")
    ap.add_argument("--no-pip-audit", action="store_true", help="use PyPI's project JSON even if pip-audit works")
    ap.add_argument("--json", action="store_true", help="write the findings as JSON to stdout")
    args = ap.parse_args(argv)

    import httpx

    dists = installed()
    pypi_dists = [d for d in dists if not d.local]
    out = sys.stderr if args.json else sys.stdout

    def say(s: str = "") -> None:
        print(s, file=out, flush=True)

    say(f"Dependency audit: {len(dists)} distributions installed for Python "
        f"{'.'.join(map(str, sys.version_info[:3]))} ({len(dists) - len(pypi_dists)} not from PyPI: "
        f"{', '.join(f'{d.name} ({d.local})' for d in dists if d.local) or 'none'})")

    # 1. pip-audit, when installed and its service answers.
    cmd = None if args.no_pip_audit else pip_audit_command()
    if cmd is not None:
        with httpx.Client(timeout=args.timeout) as client:
            service, tried = probe_services(client, dists)
        if service is None:
            say(f"pip-audit is installed, but its services do not answer here ({'; '.join(tried)}).")
        else:
            res = run_pip_audit(cmd, service, dists, args.timeout)
            if res and res["usable"]:
                vulns = res["vulnerabilities"]
                say(f"pip-audit (service {service}) audited {res['audited']} distributions.")
                for v in vulns:
                    say(f"  VULNERABLE {v['name']} {v['version']}: {vuln_line(v)}")
                if args.json:
                    print(json.dumps({"tool": "pip-audit", **res}, indent=2))
                say(f"Result: {len(vulns)} known vulnerabilit{'y' if len(vulns) == 1 else 'ies'}"
                    + (" — FAIL" if vulns else " — ok"))
                return 1 if vulns else 0
            say(f"pip-audit's result is not usable: {res['why'] if res else 'no result'}.")
    else:
        say("pip-audit not used (--no-pip-audit)." if args.no_pip_audit else "pip-audit is not installed.")

    # 2. PyPI's project JSON.
    say(f"Checking {len(pypi_dists)} distributions against PyPI's project JSON (the latest release of each)…")
    found = audit_project_json(dists, args.timeout, args.jobs)
    by = {s: [f for f in found if f.status == s] for s in ("latest", "behind", "ahead", "not-on-pypi", "unchecked")}
    if pypi_dists and len(by["unchecked"]) == len(pypi_dists):
        reasons = sorted({f.error for f in by["unchecked"]})
        say(banner(["WARNING: DEPENDENCY AUDIT NOT RUN — PyPI cannot be reached from here",
                    f"({', '.join(reasons)}). No vulnerability data was checked.",
                    "Run scripts/audit_dependencies.py again where the network is available."]))
        if args.json:
            print(json.dumps({"tool": "pypi-project-json", "ran": False, "errors": reasons}, indent=2))
        return 0

    vulnerable = [f for f in by["latest"] if f.vulns]
    say(f"  at their latest release: {len(by['latest'])}, of which with known vulnerabilities: {len(vulnerable)}")
    for f in vulnerable:
        for v in f.vulns:
            say(f"  VULNERABLE {f.dist.name} {f.dist.version}: {vuln_line(v)}")
    if by["behind"] or by["ahead"]:
        say(f"  behind latest, audited only by pip-audit (PyPI's JSON describes the latest release only): "
            f"{len(by['behind']) + len(by['ahead'])}")
        for f in by["behind"] + by["ahead"]:
            rel = "behind" if f.status == "behind" else "ahead of"
            n = len(f.vulns)
            note = f"; the latest release itself lists {n} known vulnerabilit{'y' if n == 1 else 'ies'}" if n else ""
            say(f"    {f.dist.name} {f.dist.version} ({rel} {f.latest}{note})")
            for v in f.vulns:
                say(f"      {vuln_line(v)}")
    skipped = by["not-on-pypi"]
    if skipped:
        say(f"  not on PyPI, skipped: {', '.join(f.dist.name + (f' ({f.error})' if f.error else '') for f in skipped)}")
    if by["unchecked"]:
        say(f"  WARNING: could not be checked: "
            f"{', '.join(f'{f.dist.name} ({f.error})' for f in by['unchecked'])}")
    if args.json:
        print(json.dumps({"tool": "pypi-project-json", "ran": True, "findings": [
            {"name": f.dist.name, "installed": f.dist.version, "status": f.status, "latest": f.latest,
             "vulnerabilities": f.vulns, "error": f.error} for f in found]}, indent=2))
    n = sum(len(f.vulns) for f in vulnerable)
    say(f"Result: {n} known vulnerabilit{'y' if n == 1 else 'ies'} in installed releases"
        + (f" ({', '.join(f.dist.name for f in vulnerable)}) — FAIL" if n else " — ok")
        + (f"; {len(by['behind']) + len(by['ahead'])} not at their latest release (see above)"
           if by["behind"] or by["ahead"] else ""))
    return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main())
