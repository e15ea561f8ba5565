"""The audit configuration (``audit.toml``): categories with their selectors, the force-interest
categories, the question set, theme tags, grades and answers. One file, read and checked here."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

DEFAULT_FILE = Path(__file__).parent / "audit.toml"
CHILD_REASONS = (
    "child_marker", "children_present", "child_victim", "child_suspect", "specialist_team",
    "cp_concern",
)  # fmt: skip


class Clause(BaseModel, extra="forbid"):
    """Matches when every given field matches (each field: any of its values)."""

    team_types: list[str] = []
    incident_types: list[str] = []
    child_reasons: list[str] = []
    offence_words: list[str] = []
    # A child detained on the case in the month drawn from (custody.csv), and whether any
    # custody record is loaded at all (a fallback clause asks for none).
    detained_in_month: bool | None = None
    custody_loaded: bool | None = None

    def matches(self, case: dict) -> bool:
        offence = str(case.get("offence") or "").lower()
        reasons = set(case.get("child_reasons") or ())
        checks = [
            not self.team_types or case.get("team_type") in self.team_types,
            not self.incident_types or case.get("incident_type") in self.incident_types,
            not self.child_reasons or bool(reasons & set(self.child_reasons)),
            not self.offence_words or any(w.lower() in offence for w in self.offence_words),
            *(
                wanted is None or bool(case.get(name)) == wanted
                for name, wanted in (
                    ("detained_in_month", self.detained_in_month),
                    ("custody_loaded", self.custody_loaded),
                )
            ),
        ]
        return all(checks)


class Category(BaseModel, extra="forbid"):
    key: str
    name: str
    proxy: str | None = None  # how it is chosen when the extracts cannot tell it
    match: list[Clause] = Field(min_length=1)

    def matches(self, case: dict) -> bool:
        return any(clause.matches(case) for clause in self.match)


class Question(BaseModel, extra="forbid"):
    key: str
    text: str


class AuditConfig(BaseModel, extra="forbid"):
    grades: list[str]
    answers: list[str]
    default_interest: str
    themes: list[str]
    categories: list[Category]
    interest: list[Category]
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> AuditConfig:
        keys = [c.key for c in self.categories + self.interest]
        if len(keys) != len(set(keys)):
            raise ValueError("category keys must be unique")
        if len({q.key for q in self.questions}) != len(self.questions):
            raise ValueError("question keys must be unique")
        if self.default_interest not in {c.key for c in self.interest}:
            raise ValueError(f"default_interest {self.default_interest!r} is not an [[interest]]")
        for c in self.categories + self.interest:
            for clause in c.match:
                unknown = set(clause.child_reasons) - set(CHILD_REASONS)
                if unknown:
                    raise ValueError(f"{c.key}: unknown child reasons {sorted(unknown)}")
        return self

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories + self.interest if c.key == key), None)

    def category_name(self, key: str) -> str:
        found = self.category(key)
        return found.name if found else key


def load_config(path: Path | None = None) -> AuditConfig:
    with Path(path or DEFAULT_FILE).open("rb") as fh:
        return AuditConfig.model_validate(tomllib.load(fh))


@lru_cache(maxsize=4)
def _cached(path: str | None) -> AuditConfig:
    return load_config(Path(path) if path else None)


def get_config() -> AuditConfig:
    """The configured file (setting ``audit_config_file``), or the built-in default."""
    from dashboard import data  # the running settings (a test may run with others)

    path = data.settings().audit_config_file
    return _cached(str(path) if path else None)
