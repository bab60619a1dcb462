"""The case file: a proposed collaboration, read from YAML or JSON and checked against
``case.schema.json`` (a public format: unknown keys and values are errors)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..vetting.ruleset import plain_dates

SCHEMA_FILE = Path(__file__).parent / "case.schema.json"
ACTIVITIES = ("publish-openly", "share-unpublished-technology", "ship-items", "host-visitors",
              "share-personal-data", "share-genomic-data", "invest", "use-partner-computing")
ROLES = ("lead", "partner", "funder", "vendor", "visitor")


class CaseFileError(ValueError):
    """A case file that cannot be read or does not follow the case format."""


@dataclass
class Party:
    name: str
    role: str
    country: str | None = None
    kind: str = "organization"
    affiliation: str | None = None
    birth_date: str | None = None
    note: str | None = None


@dataclass
class CaseSpec:
    title: str
    activities: list[str]
    parties: list[Party]
    title_zh: str | None = None
    summary: str | None = None
    summary_zh: str | None = None
    topics: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["parties"] = [{k: v for k, v in p.items() if v is not None} for p in d["parties"]]
        return {k: v for k, v in d.items() if v not in (None, [])}


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _where(err: jsonschema.ValidationError) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.path).lstrip(".")
    return path or "(top level)"


def _message(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unknown key(s)")
    if err.validator == "enum":
        return f"{err.instance!r} is not one of: {', '.join(map(str, err.validator_value))}"
    if err.validator == "minItems" and err.path and err.path[-1] == "parties":
        return "a case needs at least one party"
    return err.message


def parse_case(data: dict[str, Any]) -> CaseSpec:
    """Validate a decoded case document and build the spec."""
    if not isinstance(data, dict):
        raise CaseFileError("a case must be a mapping with title, activities and parties")
    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        raise CaseFileError(f"{_where(e)}: {_message(e)}")
    parties = [Party(name=p["name"].strip(), role=p["role"], country=(p.get("country") or "").upper() or None,
                     kind=p.get("kind", "organization"), affiliation=p.get("affiliation"),
                     birth_date=p.get("birth_date"), note=p.get("note")) for p in data["parties"]]
    return CaseSpec(title=data["title"].strip(), activities=list(data["activities"]), parties=parties,
                    title_zh=data.get("title_zh"), summary=data.get("summary"), summary_zh=data.get("summary_zh"),
                    topics=list(data.get("topics", [])))


def read_case_file(path: str | Path) -> CaseSpec:
    p = Path(path)
    if not p.exists():
        raise CaseFileError(f"case file not found: {p}")
    if p.is_dir():
        raise CaseFileError(f"{p} is a directory, not a case file")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseFileError(f"{p}: not valid UTF-8 (byte {exc.start})") from exc
    return parse_case_text(text, name=p.name)


class _CaseLoader(yaml.SafeLoader):
    """Safe YAML without aliases: an alias repeats a node by reference, so a few hundred bytes of
    nested aliases (a "billion laughs" file) expand to billions of values once read. A case file
    never needs one."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a case file",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


def parse_case_text(text: str, name: str = "case") -> CaseSpec:
    if not text.strip():
        raise CaseFileError(f"{name}: the file is empty")
    try:
        # YAML is a superset of JSON: one reader for both.
        data = plain_dates(yaml.load(text, Loader=_CaseLoader))  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        # A reader error (a control character, bad UTF-8) has no problem_mark and a multi-line str().
        problem = (str(getattr(exc, "problem", None) or exc).splitlines() or ["unreadable"])[0]
        if not mark and getattr(exc, "position", None) is not None:
            where = f" at character {exc.position + 1}"
        raise CaseFileError(f"{name}: not valid YAML or JSON{where}: {problem}") from exc
    except RecursionError:  # the YAML reader recurses once per level of nesting
        raise CaseFileError(f"{name}: not a case: lists or mappings nested too deeply") from None
    try:
        return parse_case(data)
    except CaseFileError as exc:
        raise CaseFileError(f"{name}: {exc}") from exc
