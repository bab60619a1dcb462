"""The vetting engine end to end: the worked examples, the rules that shape an assessment, and the
bad case files.

Every example in ``examples/cases/`` carries a machine-readable header line
``# expect: assessment=… findings=a,b,… as_of=YYYY-MM-DD``; each is vetted as of that date against
the bundled list snapshot (the session ``screener``) and the bundled rules. The other tests build
small cases inline, with parties whose screening outcome the examples already establish (BGI
Research and USTC are on the Entity List; Beijing Normal University is on no list).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from clearway.cases.spec import CaseFileError, parse_case, read_case_file
from clearway.cases.vet import vet
from clearway.vetting.ruleset import ASSESSMENTS, RuleSet, default_rules

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
BAD_CASES = ROOT / "tests" / "fixtures" / "cases"
EXPECT_RE = re.compile(r"^# expect: (.+)$", re.M)
AS_OF = date(2026, 11, 29)  # the rules version date, and the date the examples' expectations hold for

LEAD = {"name": "Example University", "country": "US", "role": "lead"}
UNLISTED_CN = {"name": "Beijing Normal University", "country": "CN", "role": "partner"}
EL_PARTNER = {"name": "BGI Research", "country": "CN", "role": "partner"}  # EL only (88 FR 13675)
USTC = "University of Science and Technology of China"  # EL and §1286


def expectation(path: Path) -> dict:
    m = EXPECT_RE.search(path.read_text(encoding="utf-8"))
    assert m, f"{path.name}: no '# expect:' line"
    fields = dict(part.split("=", 1) for part in m.group(1).split())
    assert set(fields) == {"assessment", "findings", "as_of"}, (path.name, fields)
    return {"assessment": fields["assessment"], "findings": [f for f in fields["findings"].split(",") if f],
            "as_of": date.fromisoformat(fields["as_of"])}


def strictest(findings) -> str:
    return max((f.assessment for f in findings), key=ASSESSMENTS.index, default="proceed")


def case(title: str = "Joint project", *, activities=("publish-openly",), parties=(LEAD, UNLISTED_CN), **extra):
    return parse_case({"title": title, "activities": list(activities), "parties": [dict(p) for p in parties], **extra})


def ids(v) -> list[str]:
    return [f.rule_id for f in v.findings]


def finding(v, rule_id: str):
    found = [f for f in v.findings if f.rule_id == rule_id]
    assert len(found) == 1, (rule_id, ids(v))
    return found[0]


def check_well_formed(v, as_of: date) -> None:
    """What every vetting promises: each finding cites its rule and names the rules version, the
    rule was in force on the vetting date, and the assessment is the strictest floor."""
    rules = default_rules()
    by_id = {r.id: r for r in rules.rules}
    assert v.rules_version == rules.version and v.as_of == as_of.isoformat()
    assert v.list_versions and all(isinstance(x, str) and x for x in v.list_versions)
    for f in v.findings:
        assert f.rule_id in by_id, f.rule_id
        rule = by_id[f.rule_id]
        assert rule.in_force(as_of), (f.rule_id, rule.effective, rule.until)
        assert f.rules_version == rules.version, f.rule_id
        assert len(f.citations) >= 1, f.rule_id
        assert all(c.get("text") for c in f.citations), f.rule_id
        assert any(c.get("url", "").startswith("http") for c in f.citations), f.rule_id
        assert f.title and f.title_zh and f.text and f.text_zh, f.rule_id
        assert f.evidence, f"{f.rule_id}: a finding without evidence"
        assert "{" not in f.text and "{" not in f.text_zh, f"{f.rule_id}: unfilled placeholder: {f.text}"
        if f.suspended is None:
            assert (f.severity, f.assessment) == (rule.severity, rule.assessment), f.rule_id
    assert v.assessment == strictest(v.findings)


# -- the worked examples ------------------------------------------------------------------------

def test_the_issue_examples_are_all_there():
    names = {p.stem for p in EXAMPLES}
    assert {"flyingstar-one", "daya-bay", "quantum-sensing", "rare-earth-magnets", "genomics",
            "open-climate-data"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example(path: Path, screener):
    exp = expectation(path)
    v = vet(read_case_file(path), screener, today=exp["as_of"])
    missing = [r for r in exp["findings"] if r not in ids(v)]
    assert not missing, f"{path.name}: expected findings missing: {missing}; got {ids(v)}"
    assert v.assessment == exp["assessment"], (path.name, v.assessment, [(f.rule_id, f.assessment) for f in v.findings])
    check_well_formed(v, exp["as_of"])
    # The assessment rests on a finding that says so: some finding has exactly that floor.
    assert any(f.assessment == v.assessment for f in v.findings) or v.assessment == "proceed"


def test_examples_named_outcomes(screener):
    """The outcomes the issue describes in words, beyond the header lines."""
    got = {p.stem: vet(read_case_file(p), screener, today=expectation(p)["as_of"]) for p in EXAMPLES}
    # FlyingStar One: do-not-proceed from the Ascend / GP10 rule, with both partners listed.
    fs = got["flyingstar-one"]
    assert fs.assessment == "do-not-proceed"
    assert {f.rule_id for f in fs.findings if f.assessment == "do-not-proceed"} == {"topic.prc-advanced-chips.gp10"}
    listed = {p.party["name"] for p in fs.parties if "EL" in p.listed_on}
    assert listed == {"科大讯飞股份有限公司", "华为技术有限公司"}
    # Daya Bay: the publishable physics is fine (§734.8); the shipment to CGN is what needs a licence.
    db = got["daya-bay"]
    assert finding(db, "listing.el.publish-openly").assessment == "proceed-with-conditions"
    ship = finding(db, "listing.el.ship-items")
    assert ship.assessment == "legal-review" == db.assessment
    assert ship.evidence["parties"] == ["China General Nuclear Power Corporation"]
    assert ship.evidence["activities"] == ["ship-items"]
    assert [p.party["name"] for p in db.parties if p.listed_on] == ["China General Nuclear Power Corporation"]
    # Open climate data: two unlisted universities, only info findings.
    oc = got["open-climate-data"]
    assert oc.assessment == "proceed"
    assert {f.severity for f in oc.findings} == {"info"}
    assert all(not p.hits for p in oc.parties)
    # Rare-earth magnets: legal-review from China's technology controls, no listing involved.
    re_ = got["rare-earth-magnets"]
    assert all(not p.listed_on for p in re_.parties)
    assert {f.kind for f in re_.findings if f.assessment == "legal-review"} == {"topic"}


def test_listing_evidence_names_party_entry_and_list(screener):
    path = next(p for p in EXAMPLES if p.stem == "genomics")
    v = vet(read_case_file(path), screener, today=AS_OF)
    el = finding(v, "listing.el")
    (hit,) = el.evidence["listed_parties"]
    assert hit["party"] == "BGI Research" and hit["lists"] == ["EL"] and hit["entity_id"]
    assert hit["listings"] and all(lv["list"] == "EL" for lv in hit["listings"])
    assert "BGI Research" in el.text and "BGI Research" in el.text_zh


# -- never from a single keyword ----------------------------------------------------------------

@pytest.mark.parametrize("keyword", ["Ascend 910B", "dilution refrigerator", "hypersonic missiles", "GPU",
                                     "human genome", "gallium", "rare earth", "大模型", "人脸识别", "千人计划"])
def test_a_keyword_alone_decides_at_most_conditions(keyword, screener):
    v = vet(case(topics=[keyword]), screener, today=AS_OF)
    topic_findings = [f for f in v.findings if f.kind == "topic"]
    assert topic_findings, f"{keyword!r} fired no topic rule"
    assert ASSESSMENTS.index(v.assessment) <= ASSESSMENTS.index("proceed-with-conditions"), (
        keyword, [(f.rule_id, f.assessment) for f in v.findings])
    check_well_formed(v, AS_OF)


def test_every_keyword_at_once_without_listing_or_transfer(screener):
    """All keywords of all topic rules in one summary, an unlisted partner, open publication only."""
    keywords = sorted({k for r in default_rules().rules for k in r.when.get("topics_any", [])})
    assert len(keywords) > 100
    spec = case("Everything at once", summary="; ".join(keywords))
    v = vet(spec, screener, today=AS_OF)
    fired = {f.rule_id for f in v.findings if f.kind == "topic"}
    assert {"topic.quantum", "topic.advanced-computing", "topic.military", "topic.rare-earth"} <= fired
    assert v.assessment == "proceed-with-conditions", [(f.rule_id, f.assessment) for f in v.findings
                                                       if f.assessment not in ("proceed", "proceed-with-conditions")]
    check_well_formed(v, AS_OF)


# -- listings and activities --------------------------------------------------------------------

def test_entity_list_partner_publishing_openly_is_not_barred(screener):
    """§734.8: published fundamental-research results are not subject to the EAR, listed partner or not."""
    v = vet(case("Joint study of hereditary hearing loss", parties=(LEAD, EL_PARTNER)), screener, today=AS_OF)
    assert [p.listed_on for p in v.parties] == [[], ["EL"]]
    assert v.assessment == "proceed-with-conditions"
    assert v.assessment != "do-not-proceed"
    f = finding(v, "listing.el.publish-openly")
    assert any("734.8" in c["text"] for c in f.citations)
    assert not [r for r in ids(v) if r.startswith("listing.el.") and r != "listing.el.publish-openly"]
    assert "scope.open-research.no-listed-parties" not in ids(v)
    check_well_formed(v, AS_OF)


def test_entity_list_partner_with_shipments_needs_review(screener):
    """The same partner, with items shipped: a licence under a presumption of denial → legal review.

    (The rules send an Entity-List transfer to legal-review — the officer decides whether to apply
    for a licence or restructure — not to do-not-proceed; see rules README and daya-bay.yaml.)"""
    v = vet(case("Joint study of hereditary hearing loss", activities=["publish-openly", "ship-items"],
                 parties=(LEAD, EL_PARTNER)), screener, today=AS_OF)
    assert v.assessment == "legal-review"
    ship = finding(v, "listing.el.ship-items")
    assert ship.assessment == "legal-review" and ship.severity == "high"
    assert ship.evidence["parties"] == ["BGI Research"] and ship.evidence["activities"] == ["ship-items"]
    assert "listing.el.publish-openly" in ids(v)  # the results themselves are still publishable
    check_well_formed(v, AS_OF)


def test_listed_lead_is_not_a_listing_finding(screener):
    """The lead is the institution asking: its own listing is not raised against the project."""
    lead = {**EL_PARTNER, "role": "lead"}
    v = vet(case(parties=(lead, UNLISTED_CN)), screener, today=AS_OF)
    assert v.parties[0].hits  # screened all the same
    assert not [r for r in ids(v) if r.startswith("listing.el")]


def person(**extra) -> dict:
    return {"name": "Qiao Lingxuan", "kind": "person", "role": "visitor", "country": "CN", **extra}


def test_person_affiliated_with_listed_university_is_treated_as_listed(screener):
    v = vet(case("Joint study of monsoon rainfall", parties=(LEAD, person(affiliation=USTC))), screener, today=AS_OF)
    p = v.parties[1]
    assert not p.listed_on  # the person's own name is on no list …
    assert "EL" in p.affiliation_listed_on  # … but the employer is
    aff = finding(v, "listing.el.affiliated-person")
    (ev,) = [e for e in aff.evidence["affiliated_parties"] if e["listed_name"] == USTC]
    assert ev["party"] == "Qiao Lingxuan" and ev["affiliation"] == USTC and "EL" in ev["lists"]
    assert "scope.open-research.no-listed-parties" not in ids(v)  # not a clear case any more
    assert v.assessment == "proceed-with-conditions"
    check_well_formed(v, AS_OF)

    # Hosting the person is a release to the university: legal review, as for the university itself.
    hosted = vet(case("Joint study of monsoon rainfall", activities=["host-visitors"],
                      parties=(LEAD, person(affiliation=USTC))), screener, today=AS_OF)
    assert finding(hosted, "listing.el.affiliated-person.release").assessment == "legal-review"
    assert hosted.assessment == "legal-review"

    # The same person without the affiliation: no listing at all.
    bare = vet(case("Joint study of monsoon rainfall", activities=["host-visitors"], parties=(LEAD, person())),
               screener, today=AS_OF)
    assert not bare.parties[1].hits
    assert not [r for r in ids(bare) if r.startswith("listing.")]
    assert bare.assessment == "proceed-with-conditions"


@pytest.mark.parametrize("topics,activities", [
    pytest.param([], ["publish-openly"], id="publish"),
    pytest.param([], ["host-visitors"], id="visitors"),
    pytest.param([], ["ship-items"], id="ship"),
    pytest.param(["quantum sensing"], ["publish-openly"], id="quantum-publish"),
    pytest.param([], ["share-personal-data"], id="personal-data"),
])
def test_employee_gets_the_universitys_assessment(topics, activities, screener):
    """rules.md §8: 'Treat employees of a listed university as listed (1.4)'."""
    org = {"name": USTC, "country": "CN", "role": "partner"}
    employee = person(role="partner", affiliation=USTC)
    as_org = vet(case(topics=topics, activities=activities, parties=(LEAD, org)), screener, today=AS_OF)
    as_emp = vet(case(topics=topics, activities=activities, parties=(LEAD, employee)), screener, today=AS_OF)
    assert as_emp.assessment == as_org.assessment, (
        [(f.rule_id, f.assessment) for f in as_org.findings if f.assessment == as_org.assessment],
        [(f.rule_id, f.assessment) for f in as_emp.findings if f.assessment == as_emp.assessment])


# -- dates: suspensions and rules out of force --------------------------------------------------

# A case that triggers each suspended rule (its conditions all hold).
SUSPENDED = {
    "listing.affiliates-rule": case("Joint monsoon instrument", activities=["ship-items"]),
    "topic.cn-us-minerals-ban": case("Gallium nitride power devices", activities=["ship-items"]),
    "topic.cn-rare-earth-technology": case("NdFeB magnets", activities=["share-unpublished-technology"]),
    "topic.cn-rare-earth-extraterritorial": case("NdFeB magnets", activities=["ship-items"]),
}


def _rule(rule_id: str):
    return next(r for r in default_rules().rules if r.id == rule_id)


def test_the_suspension_scenarios_are_suspended_rules():
    for rule_id in SUSPENDED:
        assert _rule(rule_id).suspended, f"{rule_id} has no suspension any more: update this test"


@pytest.mark.parametrize("rule_id", sorted(SUSPENDED))
def test_suspended_rule_is_info_during_and_full_after(rule_id, screener):
    rule = _rule(rule_id)
    susp = rule.suspended[-1]
    start, end = date.fromisoformat(susp.start), date.fromisoformat(susp.end)
    during = max(start, date.fromisoformat(rule.effective))
    spec = SUSPENDED[rule_id]
    for day in (during, end):  # both ends of the window are inside it
        v = vet(spec, screener, today=day)
        f = finding(v, rule_id)
        assert (f.severity, f.assessment) == ("info", "proceed"), (day, f.severity, f.assessment)
        assert f.suspended and susp.start in f.suspended and susp.end in f.suspended and susp.note in f.suspended
        assert f.text.startswith(f"Suspended until {susp.end}") and f.text_zh.startswith(f"暂停执行至{susp.end}")
        assert f.citations and f.rules_version == v.rules_version
        check_well_formed(v, day)
    after = end + timedelta(days=1)
    assert rule.in_force(after)
    v = vet(spec, screener, today=after)
    f = finding(v, rule_id)
    assert (f.severity, f.assessment, f.suspended) == (rule.severity, rule.assessment, None)
    assert not f.text.startswith("Suspended")
    assert ASSESSMENTS.index(v.assessment) >= ASSESSMENTS.index(rule.assessment)
    check_well_formed(v, after)


def test_suspension_changes_the_assessment(screener):
    """China's ban on gallium exports to the US: suspended → the case proceeds with conditions;
    the day after the suspension ends → legal review."""
    rule = _rule("topic.cn-us-minerals-ban")
    end = date.fromisoformat(rule.suspended[-1].end)
    spec = SUSPENDED["topic.cn-us-minerals-ban"]
    assert vet(spec, screener, today=end).assessment == "proceed-with-conditions"
    assert vet(spec, screener, today=end + timedelta(days=1)).assessment == "legal-review"


def test_rule_past_its_until_date_does_not_fire(screener):
    """4E091 (AI Diffusion Rule) ended on 2025-05-12; its successor note applies from 2025-05-13."""
    old = _rule("topic.ai-model-weights.4e091")
    assert old.until and old.until < AS_OF.isoformat()
    spec = case("Trillion parameter large language model", activities=["use-partner-computing"])
    now = vet(spec, screener, today=AS_OF)
    assert "topic.ai-model-weights.4e091" not in ids(now)
    assert "topic.ai-model-weights" in ids(now)
    last_day = vet(spec, screener, today=date.fromisoformat(old.until))
    assert finding(last_day, "topic.ai-model-weights.4e091").assessment == "legal-review"
    assert "topic.ai-model-weights" not in ids(last_day)
    assert last_day.assessment == "legal-review"
    assert ASSESSMENTS.index(now.assessment) < ASSESSMENTS.index("legal-review")


def test_sta_scope_expires(screener):
    sta = _rule("scope.sta-2024")
    end = date.fromisoformat(sta.until)
    assert "scope.sta-2024" in ids(vet(case(), screener, today=end))
    assert "scope.sta-2024" not in ids(vet(case(), screener, today=end + timedelta(days=1)))


def test_rules_are_data_an_edited_until_stops_a_rule(screener):
    """A rule is switched off by its data (until), not by code: edit a copy of the rules."""
    rules = default_rules()
    cut = AS_OF - timedelta(days=1)
    edited = RuleSet(version="test-edit", rules=[replace(r, until=cut.isoformat()) if r.id == "listing.el.ship-items"
                                                 else r for r in rules.rules])
    spec = case(activities=["ship-items"], parties=(LEAD, EL_PARTNER))
    assert "listing.el.ship-items" in ids(vet(spec, screener, today=AS_OF))
    v = vet(spec, screener, rules=edited, today=AS_OF)
    assert "listing.el.ship-items" not in ids(v)
    assert v.rules_version == "test-edit" and all(f.rules_version == "test-edit" for f in v.findings)
    assert v.assessment == strictest(v.findings) == "proceed-with-conditions"


# -- bad case files -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,needles", [
    ("unknown-activity.yaml", ["activities[1]", "'sell-chips'", "publish-openly"]),
    ("empty-parties.yaml", ["parties", "at least one party"]),
    ("malformed.yaml", ["not valid YAML", "line 4"]),
    ("unknown-key.yaml", ["unknown key", "budget"]),
    ("bad-country.yaml", ["parties[1].country", "'CHN'"]),
])
def test_bad_case_files(name, needles):
    with pytest.raises(CaseFileError) as info:
        read_case_file(BAD_CASES / name)
    msg = str(info.value)
    assert msg.startswith(name + ":"), msg
    assert "\n" not in msg, msg
    for n in needles:
        assert n in msg, (n, msg)


def test_every_bad_fixture_is_refused():
    fixtures = sorted(BAD_CASES.iterdir())
    assert len(fixtures) >= 5
    for p in fixtures:
        with pytest.raises(CaseFileError):
            read_case_file(p)


@pytest.mark.parametrize("text,needle", [
    ("", "empty"),
    ("- just\n- a list\n", "mapping"),
    ("title: x\nactivities: [publish-openly]\n", "parties"),
    ("title: x\nparties: [{name: A, role: lead}]\n", "activities"),
    ("title: x\nactivities: [publish-openly]\nparties: [{name: A, role: boss}]\n", "boss"),
    ("title: x\nactivities: [publish-openly]\nparties: [{name: A, role: lead, colour: red}]\n", "colour"),
    ('{"title": "x", "activities": [], "parties": [{"name": "A", "role": "lead"}]}', "activities"),
])
def test_bad_case_texts(text, needle):
    from clearway.cases.spec import parse_case_text

    with pytest.raises(CaseFileError) as info:
        parse_case_text(text, name="inline.yaml")
    assert needle in str(info.value), str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(CaseFileError, match="not found"):
        read_case_file(tmp_path / "nope.yaml")
    with pytest.raises(CaseFileError, match="directory"):
        read_case_file(tmp_path)
