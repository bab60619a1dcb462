"""The vetting data: rules.yaml, the worked example cases and the bad case fixtures.

These tests check the data against its contracts (rules.schema.json, case.schema.json) and against
the conventions the rules file promises (see src/clearway/vetting/README.md). The engine tests
run the examples end to end; here only the data are checked, without the engine.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml

from clearway.lists import LISTS

ROOT = Path(__file__).resolve().parents[2]
VETTING = ROOT / "src" / "clearway" / "vetting"
RULES_FILE = VETTING / "rules.yaml"
RULES_SCHEMA = VETTING / "rules.schema.json"
CASE_SCHEMA = ROOT / "src" / "clearway" / "cases" / "case.schema.json"
EXAMPLES = ROOT / "examples" / "cases"
BAD_CASES = ROOT / "tests" / "fixtures" / "cases"

ASSESSMENTS = ["proceed", "proceed-with-conditions", "legal-review", "do-not-proceed"]
ACTIVITIES = ["publish-openly", "share-unpublished-technology", "ship-items", "host-visitors",
              "share-personal-data", "share-genomic-data", "invest", "use-partner-computing"]
PLACEHOLDERS = {"party", "lists", "keywords", "activities"}
# Severity that goes with each assessment floor (README: "Severity and assessment").
SEVERITY_FOR = {
    "proceed": {"info", "low"},
    "proceed-with-conditions": {"low", "medium"},
    "legal-review": {"high"},
    "do-not-proceed": {"critical"},
}
# Lists whose listing must have a rule of its own (rules.md §8, partner screen).
LISTS_WITH_RULES = ["EL", "MEU", "MIEU", "UVL", "DPL", "SDN", "CMIC", "1260H", "1286", "FCC", "UFLPA",
                    "METI-EUL", "CA-NRO", "CN-UEL", "CN-ECL", "CN-ECWL", "CN-AFSL", "CN-TAO"]
# Words too general to be a keyword on their own: they would fire on ordinary science.
TOO_GENERIC = {"ai", "artificial intelligence", "computer", "computers", "computing", "chip", "chips",
               "data", "model", "models", "quantum", "research", "science", "software", "technology",
               "semiconductor", "semiconductors", "sensor", "sensors", "magnet", "magnets", "security",
               "surveillance", "defense", "defence", "etch", "eda", "pla", "euv", "genomics",
               "量子", "数据", "计算", "芯片", "研究", "技术", "模型", "监控"}
CJK = re.compile(r"[\u3400-\u9fff]")
TRADITIONAL = re.compile(r"[國對實體許證關與廠發應進術數據資設備學機構條單險審議產務員權為會計經營]")
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
EXPECT_RE = re.compile(r"^# expect: (.+)$", re.M)


def _load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rules_doc() -> dict:
    return _load_yaml(RULES_FILE)


@pytest.fixture(scope="module")
def rules(rules_doc) -> list[dict]:
    return rules_doc["rules"]


@pytest.fixture(scope="module")
def rule_ids(rules) -> set[str]:
    return {r["id"] for r in rules}


@pytest.fixture(scope="module")
def case_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(CASE_SCHEMA.read_text(encoding="utf-8")))


def _norm_keyword(k: str) -> str:
    """A keyword as the matcher sees it: lower case, punctuation and spaces folded."""
    return " ".join(re.sub(r"[^\w]+", " ", k.lower().replace("'", "")).split())


def _is_escalating(when: dict) -> bool:
    """An activity or a listing condition: what may lift a floor above proceed-with-conditions."""
    return any(k in when for k in ("activities_any", "activities_all", "party_lists", "affiliation_lists"))


# ----------------------------------------------------------------------------- the rules file


def test_rules_file_is_valid_against_its_schema(rules_doc):
    schema = json.loads(RULES_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(rules_doc))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_dates_are_strings_not_yaml_dates(rules):
    """Quoted dates keep the file valid against the schema without any conversion."""
    for r in rules:
        for key in ("effective", "until"):
            if key in r:
                assert isinstance(r[key], str), (r["id"], key)
        for s in r.get("suspended", []):
            assert isinstance(s["from"], str) and isinstance(s["to"], str), r["id"]


def test_version(rules_doc):
    assert rules_doc["version"] == "2026.11.29"
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", rules_doc["version"])


def test_rule_ids_are_unique(rules):
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_rule_ids_start_with_their_kind(rules):
    for r in rules:
        assert r["id"].split(".")[0] == r["kind"], r["id"]


def test_every_rule_cites_a_source_with_a_url(rules):
    for r in rules:
        urls = [c.get("url", "") for c in r["citations"]]
        assert any(u.startswith(("http://", "https://")) for u in urls), r["id"]
        for c in r["citations"]:
            assert c["text"].strip(), r["id"]
            if "url" in c:
                assert re.match(r"https?://\S+$", c["url"]), (r["id"], c["url"])


def test_every_rule_has_valid_dates(rules):
    for r in rules:
        effective = date.fromisoformat(r["effective"])
        if "until" in r:
            assert date.fromisoformat(r["until"]) >= effective, r["id"]
        for s in r.get("suspended", []):
            start, end = date.fromisoformat(s["from"]), date.fromisoformat(s["to"])
            assert start <= end, r["id"]
            assert end >= effective, r["id"]
            assert s.get("note", "").strip(), f"{r['id']}: a suspension says where it comes from"


def test_placeholders_are_the_allowed_four_and_have_something_to_fill(rules):
    for r in rules:
        w = r["when"]
        fillable = set()
        if any(k in w for k in ("party_lists", "affiliation_lists", "party_countries", "party_kinds")):
            fillable.add("party")
        if "party_lists" in w or "affiliation_lists" in w:
            fillable.add("lists")
        if "topics_any" in w:
            fillable.add("keywords")
        if "activities_any" in w or "activities_all" in w:
            fillable.add("activities")
        for field in ("finding", "finding_zh", "title", "title_zh"):
            used = set(PLACEHOLDER_RE.findall(r[field]))
            assert used <= PLACEHOLDERS, (r["id"], field, used - PLACEHOLDERS)
            assert used <= fillable, (r["id"], field, f"{used - fillable} has no condition to fill it")
        for field in ("conditions", "conditions_zh"):
            for text in r.get(field, []):
                assert not PLACEHOLDER_RE.findall(text), (r["id"], field, "conditions are not filled in")


def test_a_keyword_alone_never_decides_more_than_proceed_with_conditions(rules):
    ceiling = ASSESSMENTS.index("proceed-with-conditions")
    for r in rules:
        if not _is_escalating(r["when"]):
            assert ASSESSMENTS.index(r["assessment"]) <= ceiling, r["id"]


def test_topic_rules_are_keyword_rules(rules):
    for r in rules:
        if r["kind"] == "topic":
            assert r["when"].get("topics_any"), r["id"]


def test_severity_matches_the_assessment(rules):
    for r in rules:
        assert r["severity"] in SEVERITY_FOR[r["assessment"]], (r["id"], r["severity"], r["assessment"])


def test_bilingual_texts(rules):
    for r in rules:
        assert CJK.search(r["title_zh"]), r["id"]
        assert CJK.search(r["finding_zh"]), r["id"]
        assert len(r.get("conditions", [])) == len(r.get("conditions_zh", [])), r["id"]
        for text in r.get("conditions_zh", []):
            assert CJK.search(text), r["id"]
        # Simplified Chinese: common traditional forms must not appear.
        for text in (r["title_zh"], r["finding_zh"], *r.get("conditions_zh", [])):
            assert not TRADITIONAL.search(text), (r["id"], TRADITIONAL.findall(text))


def test_every_restriction_above_proceed_says_what_to_do(rules):
    for r in rules:
        if r["assessment"] != "proceed":
            assert r.get("conditions"), r["id"]


def test_keywords_are_specific_and_not_repeated(rules):
    for r in rules:
        kws = r["when"].get("topics_any", [])
        norm = [_norm_keyword(k) for k in kws]
        assert len(norm) == len(set(norm)), (r["id"], sorted({k for k in norm if norm.count(k) > 1}))
        for k in kws:
            assert k.strip() == k and k, (r["id"], k)
            assert _norm_keyword(k) not in TOO_GENERIC, (r["id"], k)
        if r["kind"] == "topic" and not r["id"].startswith("topic.cn-"):
            # English and Chinese keywords, so a case written in either language is caught.
            assert any(CJK.search(k) for k in kws), r["id"]
            assert any(not CJK.search(k) for k in kws), r["id"]


def test_every_list_family_has_a_listing_rule(rules):
    covered = {code for r in rules if r["kind"] == "listing" for code in r["when"].get("party_lists", [])}
    missing = [c for c in LISTS_WITH_RULES if c not in covered]
    assert not missing, missing


def test_list_codes_are_known(rules):
    for r in rules:
        for key in ("party_lists", "affiliation_lists"):
            for code in r["when"].get(key, []):
                assert code in LISTS, (r["id"], code)


def test_countries_are_iso2(rules):
    for r in rules:
        for c in r["when"].get("party_countries", []):
            assert re.fullmatch(r"[A-Z]{2}", c), (r["id"], c)


def test_every_activity_has_an_activity_rule(rules):
    covered = {a for r in rules if r["kind"] == "activity" for a in r["when"].get("activities_any", [])}
    assert set(ACTIVITIES) <= covered, set(ACTIVITIES) - covered


def test_activity_conditions_are_consistent(rules):
    for r in rules:
        w = r["when"]
        overlap = set(w.get("activities_none", [])) & (set(w.get("activities_any", [])) | set(w.get("activities_all", [])))
        assert not overlap, (r["id"], overlap)
        if "listing_text_any" in w:
            assert "party_lists" in w, f"{r['id']}: listing text only qualifies a listing"


def test_listing_text_matches_entries_in_the_bundled_snapshot(rules):
    """The footnote strings (e.g. '734.9(e)') occur in real licence requirements."""
    from clearway.snapshot import DEFAULT_SNAPSHOT, load_snapshot

    _, entities = load_snapshot(DEFAULT_SNAPSHOT)
    texts = {(lst.list, (lst.license_requirement + " " + lst.license_policy).casefold())
             for e in entities for lst in e.listings}
    for r in rules:
        for needle in r["when"].get("listing_text_any", []):
            lists = set(r["when"]["party_lists"])
            assert any(code in lists and needle.casefold() in t for code, t in texts), (r["id"], needle)


def test_rules_that_the_issue_names(rules, rule_ids):
    by_id = {r["id"]: r for r in rules}
    # The AI Diffusion Rule's 4E091 control stopped on 12 May 2025; the current rule notes the rescission.
    assert by_id["topic.ai-model-weights.4e091"]["until"] == "2025-05-12"
    assert by_id["topic.ai-model-weights"]["effective"] == "2025-05-13"
    # Affiliates Rule: suspended 10 Nov 2025 – 9 Nov 2026, so in force again today.
    assert by_id["listing.affiliates-rule"]["suspended"] == [
        {"from": "2025-11-10", "to": "2026-11-09", "note": by_id["listing.affiliates-rule"]["suspended"][0]["note"]}]
    # China: Ann. 46/2024 clause 2 suspended to 27 Nov 2026; Anns. 61 and 62 to 10 Nov 2026.
    assert by_id["topic.cn-us-minerals-ban"]["suspended"][0]["to"] == "2026-11-27"
    assert by_id["topic.cn-rare-earth-technology"]["suspended"][0]["to"] == "2026-11-10"
    assert by_id["topic.cn-rare-earth-extraterritorial"]["suspended"][0]["to"] == "2026-11-10"
    # The STA 2024 protocol runs to 27 Aug 2029.
    assert by_id["scope.sta-2024"]["until"] == "2029-08-27"
    # Listed partner + only open publication: the §734.8 rule, not a block.
    assert by_id["listing.el.publish-openly"]["assessment"] == "proceed-with-conditions"
    # Barred dealings.
    assert by_id["listing.dpl"]["assessment"] == by_id["listing.sdn"]["assessment"] == "do-not-proceed"
    # Open research with no listed party and no controlled transfer comes out clear.
    clear = by_id["scope.open-research.no-listed-parties"]
    assert clear["assessment"] == "proceed" and clear["when"]["no_listed_parties"] is True
    assert set(clear["when"]["activities_none"]) == set(ACTIVITIES) - {"publish-openly"}
    # Employees of a listed university are treated as the university.
    assert by_id["listing.el.affiliated-person"]["when"]["affiliation_lists"] == ["EL"]


def test_entity_list_transfers_are_treated_alike(rules):
    """One decision for the Entity List: a listing plus a transfer activity is legal review."""
    for r in rules:
        w = r["when"]
        if w.get("party_lists") == ["EL"] and "listing_text_any" not in w:
            acts = set(w.get("activities_any", []))
            if acts and acts != {"publish-openly"}:
                assert r["assessment"] == "legal-review", r["id"]


# ----------------------------------------------------------------------------- example cases


EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
BAD_FILES = sorted(BAD_CASES.glob("*.yaml"))


def test_the_worked_examples_are_all_there():
    names = {p.name for p in EXAMPLE_FILES}
    assert {"flyingstar-one.yaml", "daya-bay.yaml", "quantum-sensing.yaml", "rare-earth-magnets.yaml",
            "genomics.yaml", "open-climate-data.yaml"} <= names


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_is_a_valid_case(path, case_validator):
    errors = list(case_validator.iter_errors(_load_yaml(path)))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_states_its_expected_outcome(path, rule_ids):
    text = path.read_text(encoding="utf-8")
    m = EXPECT_RE.search(text)
    assert m, f"{path.name}: no '# expect:' header line"
    fields = dict(part.split("=", 1) for part in m.group(1).split())
    assert fields["assessment"] in ASSESSMENTS
    findings = fields["findings"].split(",")
    assert findings and len(findings) == len(set(findings))
    unknown = [f for f in findings if f not in rule_ids]
    assert not unknown, f"{path.name}: expected findings name no rule: {unknown}"
    date.fromisoformat(fields["as_of"])
    assert f"Expected assessment: {fields['assessment']}" in text, "the prose header agrees with the expect line"


# ----------------------------------------------------------------------------- bad inputs


def test_the_bad_fixtures_are_all_there():
    names = {p.name for p in BAD_FILES}
    assert {"unknown-activity.yaml", "empty-parties.yaml", "malformed.yaml", "unknown-key.yaml",
            "bad-country.yaml"} <= names


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.name)
def test_bad_fixture_is_rejected(path, case_validator):
    try:
        data = _load_yaml(path)
    except yaml.YAMLError:
        assert path.name == "malformed.yaml"
        return
    assert path.name != "malformed.yaml", "the malformed fixture must not parse"
    errors = list(case_validator.iter_errors(data))
    assert errors, f"{path.name} should not validate"
    validators = {e.validator for e in errors}
    expected = {
        "unknown-activity.yaml": "enum",
        "empty-parties.yaml": "minItems",
        "unknown-key.yaml": "additionalProperties",
        "bad-country.yaml": "pattern",
    }[path.name]
    assert expected in validators, (path.name, validators)
