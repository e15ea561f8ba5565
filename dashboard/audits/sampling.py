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
    """(the drawn cases, the categories with no eligible case as {area, category}). A category
    is left empty only when no draw could fill it with the others filled as well: the most
    categories that can be filled at once are filled."""
    drawn: list[Drawn] = []
    empty: list[dict] = []
    cases = candidates.sort_values("investigation_id").to_dict("records")
    for area in areas:
        rng = random.Random(f"{seed}:{area}")
        pool = [c for c in cases if c["area"] == area and c["investigation_id"] not in excluded]
        wanted = slots(config, interest, per_area)
        eligible = [[c for c in pool if slot.matches(c)] for slot in wanted]
        ids = [[c["investigation_id"] for c in e] for e in eligible]
        # Scarce categories first, so a case that is the only one for a category is not
        # taken by a broader one; shown afterwards in the configured order.
        order = sorted(range(len(wanted)), key=lambda i: (len(eligible[i]), i))
        taken: set[str] = set()
        per_team: Counter[str] = Counter()
        found: dict[int, Drawn] = {}
        missing: list[int] = []
        to_fill = order[:]
        fillable = _most_filled(to_fill, ids, taken)
        for i in order:
            to_fill.remove(i)
            left = [c for c in eligible[i] if c["investigation_id"] not in taken]
            case = _spread_choice(rng, left, per_team, _keeps(to_fill, ids, taken, fillable))
            if case is None:  # slot i is in no fullest draw (or has no case at all)
                missing.append(i)
                continue
            fillable -= 1
            taken.add(case["investigation_id"])
            per_team[case["team"]] += 1
            found[i] = Drawn(
                area, wanted[i].key, case["investigation_id"], case["team"], case["team_type"]
            )
        drawn += [found[i] for i in sorted(found)]
        empty += [{"area": area, "category": wanted[i].key} for i in sorted(missing)]
    return drawn, empty


def _keeps(to_fill: list[int], ids: list[list[str]], taken: set[str], fillable: int):
    """Whether taking a case for the slot at hand still lets the most slots be filled: the
    slots ``to_fill`` after it, ``fillable`` of them with it, before the case is taken."""
    return lambda c: _most_filled(to_fill, ids, taken | {c["investigation_id"]}) == fillable - 1


def _spread_choice(
    rng: random.Random, left: list[dict], per_team: Counter[str], keeps_the_most
) -> dict | None:
    """A case at random among those of the teams with the fewest cases drawn so far (the
    spread), of those that keep the most slots fillable; None when none does. The first
    choice is tried as it always was, so a draw with no such conflict is unchanged."""
    if not left:
        return None
    fewest = min(per_team[c["team"]] for c in left)
    best = [c for c in left if per_team[c["team"]] == fewest]
    case = rng.choice(best)
    if keeps_the_most(case):
        return case
    good = [c for c in left if keeps_the_most(c)]
    if not good:
        return None
    fewest = min(per_team[c["team"]] for c in good)
    return rng.choice([c for c in good if per_team[c["team"]] == fewest])


def _most_filled(slot_ids: list[int], ids: list[list[str]], taken: set[str]) -> int:
    """How many of ``slot_ids`` can be filled at once, each with its own case among
    ``ids[slot]`` not in ``taken`` (a maximum bipartite matching, by augmenting paths: ten
    slots at most)."""
    holder: dict[str, int] = {}

    def place(slot: int, seen: set[str]) -> bool:
        for case in ids[slot]:
            if case in taken or case in seen:
                continue
            seen.add(case)
            if case not in holder or place(holder[case], seen):
                holder[case] = slot
                return True
        return False

    return sum(place(slot, set()) for slot in slot_ids)
