"""``clearway case …`` in real subprocesses, on a store in a temporary CLEARWAY_HOME.

A run that vets loads the list snapshot (~3 s), so the module-scoped ``flow`` fixture starts all
the runs once, in four stages (each stage needs the one before: the case id, then the decision),
with the independent runs of a stage side by side. Each test then checks the runs it is about.
Every run is its own process, so whatever a later stage sees of a case has survived a restart.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAYA = ROOT / "examples" / "cases" / "daya-bay.yaml"
BAD = ROOT / "tests" / "fixtures" / "cases"
KEY_RE = re.compile(r"^cw_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}$")
CGN = "China General Nuclear Power Corporation"
CGN_PARTY = 2  # its index in daya-bay.yaml
COMMENT = "中文评论：请在发运前确认探测器电子学的出口管制分类（ECCN 或 EAR99）。"
REASON = "China General Nuclear Power Group is the parent, not the Corporation itself"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
    for k in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(k, None)
    env.update(NO_COLOR="1", PYTHONIOENCODING="utf-8", CLEARWAY_HOME=str(home))
    return env


class Runs(dict):
    """name → (returncode, stdout, stderr); stdout kept as bytes too (``raw``) for binary output."""

    def __init__(self, home: Path, cwd: Path) -> None:
        super().__init__()
        self.home, self.cwd, self.raw = home, cwd, {}

    def one(self, name: str, *args) -> tuple[int, str, str]:
        proc = subprocess.run([sys.executable, "-m", "clearway", *map(str, args)], capture_output=True,
                              env=_env(self.home), cwd=self.cwd, timeout=180, stdin=subprocess.DEVNULL)
        self.raw[name] = proc.stdout
        self[name] = (proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
        return self[name]

    def stage(self, **todo: list) -> None:
        with ThreadPoolExecutor(max_workers=min(6, len(todo))) as pool:
            list(pool.map(lambda item: self.one(item[0], *item[1]), todo.items()))


def ok_json(result):
    rc, out, err = result
    assert rc == 0, (rc, out[-2000:], err[-2000:])
    assert "Traceback" not in err
    return json.loads(out)


def hit(case: dict, party: int, entity_id: str) -> dict:
    (h,) = [h for h in case["vetting"]["parties"][party]["hits"] if h["entity_id"] == entity_id]
    return h


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("case-cli")
    home = tmp / "home"
    home.mkdir()
    r = Runs(home, tmp)
    # Stage 1: vet and store the case; the bad case files beside it (they never reach the store).
    r.stage(vet=["case", "vet", DAYA, "--json"],
            missing=["case", "vet", tmp / "no-such-case.yaml"],
            malformed=["case", "vet", BAD / "malformed.yaml"],
            unknown_activity=["case", "vet", BAD / "unknown-activity.yaml"],
            empty_parties=["case", "vet", BAD / "empty-parties.yaml"],
            unknown_id=["case", "show", "case_000000000000"])
    case = ok_json(r["vet"])
    cid = r.case_id = case["id"]
    # The near match on CGN (the Group's EL entry, not the Corporation's): the one to clear.
    near = [h for h in case["vetting"]["parties"][CGN_PARTY]["hits"] if h["score"] < 1.0]
    assert near, case["vetting"]["parties"][CGN_PARTY]
    r.entity = near[0]["entity_id"]
    # Stage 2: read it back in new processes; decide and comment; the bad uses of an existing case.
    r.stage(show=["case", "show", cid],
            show_json=["case", "show", cid, "--json"],
            list=["case", "list", "--json"],
            list_table=["case", "list"],
            decide=["case", "decide", cid, "--party", CGN_PARTY, "--entity", r.entity, "--decision",
                    "false-positive", "--reason", REASON],
            comment=["case", "comment", cid, COMMENT],
            bad_decision=["case", "decide", cid, "--party", CGN_PARTY, "--entity", r.entity,
                          "--decision", "maybe", "--reason", "x"],
            bad_party=["case", "decide", cid, "--party", "9", "--entity", r.entity, "--decision",
                       "true-match", "--reason", "x"],
            pdf_no_output=["case", "report", cid, "--format", "pdf"])
    # Stage 3: after the decision: re-vet the case, vet a new case with the same party, share.
    r.stage(revet=["case", "revet", cid, "--json"],
            vet_again=["case", "vet", DAYA, "--json"],
            share=["case", "share", cid, "--role", "reviewer", "--name", "IHEP research office"])
    # Stage 4: the reports and the audit trail.
    r.pdf_path = tmp / "report.pdf"
    r.stage(md=["case", "report", cid, "--format", "md"],
            html=["case", "report", cid, "--format", "html"],
            pdf=["case", "report", cid, "--format", "pdf", "-o", r.pdf_path],
            export=["audit", "export"],
            verify=["audit", "verify"])
    return r


def assert_user_error(result, *needles: str) -> None:
    """Exit code 2, one line "error: …" naming the problem, no traceback."""
    rc, out, err = result
    assert rc == 2, (rc, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    for n in needles:
        assert n in err, (n, err)


# -- vet, show, list ----------------------------------------------------------------------------

def test_vet_stores_the_case(flow):
    case = ok_json(flow["vet"])
    assert re.fullmatch(r"case_[0-9a-f]{12}", case["id"])
    assert case["status"] == "open" and case["created_by"].startswith("cli")
    v = case["vetting"]
    assert case["assessment"] == v["assessment"] == "legal-review"
    rules = {f["rule_id"] for f in v["findings"]}
    assert {"listing.el.ship-items", "listing.el.publish-openly", "listing.el"} <= rules
    assert all(f["citations"] and f["rules_version"] == v["rules_version"] for f in v["findings"])
    assert v["list_versions"] and v["summary"]["cleared_hits"] == 0
    assert [h["cleared"] for h in v["parties"][CGN_PARTY]["hits"]] == [False] * len(v["parties"][CGN_PARTY]["hits"])
    assert [h["kind"] for h in case["history"]] == ["created", "vetted"]


def test_show_in_a_new_process(flow):
    """The case is read back by other processes: stored, not held in memory."""
    rc, out, err = flow["show"]
    assert rc == 0, err
    assert flow.case_id in out and "Reactor antineutrino" in out
    assert "legal-review" in out and "listing.el.ship-items" in out and CGN in out
    shown = ok_json(flow["show_json"])
    created = ok_json(flow["vet"])
    assert shown["id"] == created["id"] and shown["spec"] == created["spec"]
    assert shown["vetting"]["findings"] == created["vetting"]["findings"]


def test_list_table(flow):
    rc, out, err = flow["list_table"]
    assert rc == 0, err
    assert "Cases 案件" in out and "legal-review" in out and "open" in out


def test_list_json(flow):
    rows = ok_json(flow["list"])
    (row,) = [x for x in rows if x["id"] == flow.case_id]
    assert row["assessment"] == "legal-review" and row["status"] == "open"
    assert row["title"].startswith("Reactor antineutrino")


# -- decisions ----------------------------------------------------------------------------------

def test_decide(flow):
    rc, out, err = flow["decide"]
    assert rc == 0, err
    assert "false-positive" in out and "recorded" in out


def test_revet_clears_the_decided_hit(flow):
    case = ok_json(flow["revet"])
    h = hit(case, CGN_PARTY, flow.entity)
    assert h["cleared"] is True
    v = case["vetting"]
    assert v["summary"]["cleared_hits"] == 1
    # A cleared hit is no listing: no finding rests on it.
    for f in v["findings"]:
        for lp in f["evidence"].get("listed_parties", []):
            assert lp["entity_id"] != flow.entity, f["rule_id"]
    # The other (exact) CGN hit still stands.
    others = [x for x in v["parties"][CGN_PARTY]["hits"] if x["entity_id"] != flow.entity]
    assert others and not any(x["cleared"] for x in others)
    assert "listing.el.ship-items" in {f["rule_id"] for f in v["findings"]}
    (d,) = case["decisions"]
    assert d["entity_id"] == flow.entity and d["decision"] == "false-positive" and d["reason"] == REASON
    assert d["party"] == CGN and d["actor"].startswith("cli") and d["at"]
    assert [h["kind"] for h in case["history"]].count("vetted") == 2


def test_a_new_case_remembers_the_false_positive(flow):
    new = ok_json(flow["vet_again"])
    assert new["id"] != flow.case_id
    assert hit(new, CGN_PARTY, flow.entity)["cleared"] is True
    assert new["vetting"]["summary"]["cleared_hits"] == 1
    assert new["decisions"] == []  # the decision belongs to the first case; only its effect carries over


def test_comment(flow):
    rc, out, err = flow["comment"]
    assert rc == 0, err
    case = ok_json(flow["revet"])
    (c,) = case["comments"]
    assert c["text"] == COMMENT and c["actor"].startswith("cli") and c["at"]


# -- reports ------------------------------------------------------------------------------------

def test_markdown_report(flow):
    rc, md, err = flow["md"]
    assert rc == 0, err
    case = ok_json(flow["revet"])
    v = case["vetting"]
    for heading in ("# Case report · 案件报告", "## Parties and screening · 合作方与名单筛查",
                    "## Findings · 审查发现", "## Decisions · 审查决定", "## Discussion · 讨论"):
        assert heading in md, heading
    assert flow.case_id in md and "legal-review" in md and "需法律审查" in md
    for lv in v["list_versions"]:
        assert lv in md, lv
    assert v["rules_version"] in md
    for f in v["findings"]:
        assert f"`{f['rule_id']}` ({f['rules_version']})" in md, f["rule_id"]
        for c in f["citations"]:
            assert c["text"] in md, (f["rule_id"], c["text"])
    assert "(cleared · 已排除)" in md
    assert REASON in md and "false-positive" in md and "误报" in md
    assert COMMENT in md


def test_html_report_to_stdout(flow):
    rc, html, err = flow["html"]
    assert rc == 0, err
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "案件报告" in html and "Case report" in html and flow.case_id in html
    assert "listing.el.ship-items" in html and "15 CFR 744.16" in html
    assert "</html>" in html


def test_pdf_report_to_file(flow):
    rc, out, err = flow["pdf"]
    assert rc == 0, err
    data = flow.pdf_path.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10_000
    assert b"%%EOF" in data[-1024:]
    assert not flow.raw["pdf"].startswith(b"%PDF")  # written to the file, not standard output


# -- sharing ------------------------------------------------------------------------------------

def test_share_prints_the_key_alone_on_the_last_line(flow):
    rc, out, err = flow["share"]
    assert rc == 0, err
    lines = out.splitlines()
    assert lines and KEY_RE.match(lines[-1]), out
    assert flow.case_id in err and "reviewer" in err


# -- bad inputs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name,needles", [
    ("missing", ["not found", "no-such-case.yaml"]),
    ("malformed", ["malformed.yaml", "line 4"]),
    ("unknown_activity", ["sell-chips"]),
    ("empty_parties", ["at least one party"]),
    ("unknown_id", ["case_000000000000"]),
    ("bad_decision", ["decision must be one of", "false-positive"]),
    ("bad_party", ["out of range"]),
    ("pdf_no_output", ["--output"]),
])
def test_bad_inputs(flow, name, needles):
    assert_user_error(flow[name], *needles)


def test_bad_inputs_leave_no_case_behind(flow):
    """Only the two good `case vet` runs created cases; no failed run wrote anything."""
    records = [json.loads(ln) for ln in flow["export"][1].splitlines() if ln.strip()]
    created = [r["payload"]["case_id"] for r in records if r["kind"] == "case" and r["payload"]["action"] == "created"]
    assert created and created[0] == flow.case_id
    assert sorted(created) == sorted({flow.case_id, ok_json(flow["vet_again"])["id"]})
    decisions = [r for r in records if r["kind"] == "decision"]
    assert len(decisions) == 1  # the bad decide runs recorded nothing


# -- the audit trail ----------------------------------------------------------------------------

def test_audit_export_holds_the_case_story(flow):
    rc, out, err = flow["export"]
    assert rc == 0, err
    records = [json.loads(ln) for ln in out.splitlines() if ln.strip()]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    mine = [r for r in records if r["payload"].get("case_id") == flow.case_id]
    assert all(r["actor"] and r["at"] for r in mine)
    created = [r for r in mine if r["kind"] == "case" and r["payload"]["action"] == "created"]
    assert len(created) == 1 and created[0]["payload"]["assessment"] == "legal-review"
    assert "listing.el.ship-items" in created[0]["payload"]["findings"]
    (decision,) = [r for r in mine if r["kind"] == "decision"]
    assert decision["payload"]["entity_id"] == flow.entity
    assert decision["payload"]["decision"] == "false-positive" and decision["payload"]["reason"] == REASON
    (comment,) = [r for r in mine if r["kind"] == "comment"]
    assert comment["payload"]["text"] == COMMENT
    shared = [r for r in mine if r["kind"] == "case" and r["payload"]["action"] == "shared"]
    assert len(shared) == 1 and shared[0]["payload"]["role"] == "reviewer"
    assert any(r["payload"].get("action") == "re-vetted" for r in mine)
    # The shared key's secret is nowhere in the trail (its public id may be).
    key = flow["share"][1].splitlines()[-1]
    secret = key.split("_", 2)[2]
    assert key not in out and secret not in out
    assert key.split("_", 2)[1] == shared[0]["payload"]["key_id"]


def test_audit_verify(flow):
    rc, out, err = flow["verify"]
    assert rc == 0, (out, err)
    assert "audit trail intact" in out
