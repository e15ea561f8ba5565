"""Who is asking and what they asked for: the signed-in user's Scope and a page's Filters.

Sign-in (dashboard/auth.py), access and every reader depend on these; they read nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Scope:
    """Who is asking, and the areas they may see. No areas: they see nothing."""

    username: str
    role: str
    areas: tuple[str, ...]

    def narrow(self, requested: list[str] | str | None) -> list[str]:
        """The areas to query: the scope, narrowed by what the browser asked for."""
        if requested in (None, "", []):
            return list(self.areas)
        wanted = [requested] if isinstance(requested, str) else list(requested)
        return [a for a in self.areas if a in wanted]

    def only(self, areas: list[str]) -> Scope:
        """This user limited to ``areas`` (never beyond their own). Pass the result of
        ``narrow`` on with no further area filter: an empty narrowing then shows nothing,
        where narrowing again by ``[]`` would mean "all my areas"."""
        return Scope(self.username, self.role, tuple(a for a in self.areas if a in areas))


@dataclass
class Filters:
    """What a page's controls ask for. Every field can only narrow the scope."""

    as_of: date | None = None
    areas: list[str] = field(default_factory=list)
    team: str | None = None
    team_type: str | None = None
    officer_id: str | None = None
    reviewer: str | None = None  # a supervisor, on the quality page's drill-down
    # The daily list's follow-ups (dashboard/followup.py SHOWN); None: hide reminders not due.
    follow_up: str | None = None
    # Today's checks list (dashboard/words.py CHECKS): one check only.
    check: str | None = None

    def describe(self) -> dict:
        """For the audit log and export headers."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "areas": self.areas,
            "team": self.team,
            "team_type": self.team_type,
            "officer_id": self.officer_id,
            "reviewer": self.reviewer,
            "follow_up": self.follow_up,
            "check": self.check,
        }
