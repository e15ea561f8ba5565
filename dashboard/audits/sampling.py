"""The central monthly draw: per area, one case per category, then the force-interest case
(then any child-related case, if more are wanted), at random from the child-related cases
active in the previous month, spread over teams, excluding cases audited recently.

The draw is a pure function of the candidates, the configuration and the seed, so the same
seed over the same warehouse gives the same cases; the seed is stored with the sample.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from dashboard.audits.config import AuditConfig, Category, Clause

ANY = Category(key="any", name="Any child-related case", match=[Clause()])


@dataclass(frozen=True)
class Drawn:
    area: str
    category: str
    investigation_id: str
    team: str
    team_type: str


def slots(config: AuditConfig, interest: str, per_area: int) -> list[Category]:
    """The categories to fill in one area, in order: nine journey categories, the month's
    force-interest category, then 'any' for extra cases; cut to ``per_area``."""
    chosen = config.category(interest)
    if chosen is None or chosen not in config.interest:
        raise ValueError(f"unknown force-interest category {interest!r}")
    wanted = [*config.categories, chosen]
    wanted += [ANY] * max(0, per_area - len(wanted))
    return wanted[:per_area]


def draw(
    candidates: pd.DataFrame,
    config: AuditConfig,
    areas: list[str],
    seed: int,
    interest: str,
    per_area: int,
    excluded: set[str] = frozenset(),
) -> tuple[list[Drawn], list[dict]]:
    """(the drawn cases, the categories with no eligible case as {area, category})."""
    drawn: list[Drawn] = []
    empty: list[dict] = []
    cases = candidates.sort_values("investigation_id").to_dict("records")
    for area in areas:
        rng = random.Random(f"{seed}:{area}")
        pool = [c for c in cases if c["area"] == area and c["investigation_id"] not in excluded]
        wanted = slots(config, interest, per_area)
        eligible = [[c for c in pool if slot.matches(c)] for slot in wanted]
        # Scarce categories first, so a case that is the only one for a category is not
        # taken by a broader one; shown afterwards in the configured order.
        order = sorted(range(len(wanted)), key=lambda i: (len(eligible[i]), i))
        taken: set[str] = set()
        per_team: Counter[str] = Counter()
        found: dict[int, Drawn] = {}
        missing: list[int] = []
        for i in order:
            left = [c for c in eligible[i] if c["investigation_id"] not in taken]
            if not left:
                missing.append(i)
                continue
            # Spread: only the teams with the fewest cases drawn so far are considered.
            fewest = min(per_team[c["team"]] for c in left)
            best = [c for c in left if per_team[c["team"]] == fewest]
            case = rng.choice(best)
            taken.add(case["investigation_id"])
            per_team[case["team"]] += 1
            found[i] = Drawn(
                area, wanted[i].key, case["investigation_id"], case["team"], case["team_type"]
            )
        drawn += [found[i] for i in sorted(found)]
        empty += [{"area": area, "category": wanted[i].key} for i in sorted(missing)]
    return drawn, empty
