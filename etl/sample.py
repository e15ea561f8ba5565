"""Synthetic extracts for a force like Lancashire: deterministic for a seed, with the mess real
extracts have (bad rows of every kind, exact duplicates, late incidents, team-type changes,
non-supervisor entries, mixed timestamp formats and offsets, a Windows-1252 file, a BOM).

Writes a base extract to DIR and the next day's delta to DIR/delta. Nothing here describes a
real person: ids, officers and notes are generated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from etl.contract import CUSTODY, INCIDENTS, INVESTIGATIONS, MISSING, SUPERVISION
from etl.settings import TEAM_TYPE_ACRONYMS

PERIOD_END = datetime(2018, 11, 30)  # the last day of the sample; the delta holds this day
PERIOD_DAYS = 365
# investigations: per year of history; years: how many, ending PERIOD_END. A scale of several
# years is generated and written one year at a time (memory: one year's frames).
SCALES = {
    "small": {"investigations": 1_000, "incidents_per_investigation": 3.6, "years": 1},
    "force": {"investigations": 140_000, "incidents_per_investigation": 3.6, "years": 1},
    "decade": {"investigations": 140_000, "incidents_per_investigation": 3.6, "years": 10},
}
AREAS = (("West", 0.36), ("East", 0.33), ("South", 0.31))
TEAM_TYPES = (
    ("response", 0.34),
    ("neighbourhood", 0.07),
    ("cid", 0.14),
    ("domestic_abuse", 0.17),
    ("mash", 0.05),
    ("child_protection", 0.12),
    ("cse", 0.04),
    ("online_child_abuse", 0.04),
    ("other", 0.03),
)
SPECIALIST = {"child_protection", "cse", "online_child_abuse"}
MEAN_DAYS_OPEN = {
    "response": 30, "neighbourhood": 35, "cid": 70, "domestic_abuse": 60, "mash": 15,
    "child_protection": 130, "cse": 150, "online_child_abuse": 140, "other": 30,
}  # fmt: skip
INCIDENT_TYPES = (
    "domestic", "concern_for_welfare", "missing_person", "assault", "sexual_offence",
    "theft", "burglary", "criminal_damage", "online_harm", "public_order",
)  # fmt: skip
OFFENCES = {
    "child_protection": ("neglect", "child cruelty", "sexual assault of a child", "abuse"),
    "cse": ("child sexual exploitation", "grooming", "sexual activity with a child"),
    "online_child_abuse": ("indecent images of children", "online grooming"),
    "domestic_abuse": ("assault occasioning ABH", "controlling behaviour", "harassment"),
}
OTHER_OFFENCES = ("common assault", "theft", "criminal damage", "burglary", "public order")
RISKS = (
    "medium, safety plan in place with mum", "high - THRIVE completed, strategy discussion held",
    "low, no further concerns from school", "risk reviewed, safeguarding via social care",
    "standard; siblings considered, no contact with suspect", "high, child moved to grandparents",
)  # fmt: skip
ACTIONS = (
    "obtain school statement", "chase MASH referral", "review CCTV from the shop",
    "arrange ABE interview", "submit devices for examination", "update victim's mother",
    "request medical records", "check suspect's bail conditions", "speak to social worker",
    "complete DASH risk assessment", "trace second witness", "obtain 999 call recording",
)  # fmt: skip
PLANS = (
    "investigation plan updated: suspect interview after ABE",
    "lines of enquiry agreed with OIC; CPS advice once devices back",
    "direction: focus on third-party material first", "plan remains as set at allocation",
)  # fmt: skip
CHILD_VOICE = (
    "Voice of the child: says she feels safe at nan's.", "Child's demeanour quiet but engaged.",
    "Spoke to the child with social worker present.", "Child's wishes recorded in the ABE plan.",
)  # fmt: skip
SHORT_NOTES = (
    "Update from OIC: awaiting forensic results.", "Spoke to OIC, chase social care tomorrow.",
    "Victim updated by phone.", "File checked, awaiting CPS decision.",
    "OIC on leave, case covered by DC team.", "Statements now on file.",
)  # fmt: skip
THIN_NOTES = ("Seen.", "Noted.", "Reviewed.", "Seen - ok.")
# What one supervisor per area pastes on every case (boilerplate is not oversight).
PASTED = "Reviewed. Progress noted, OIC to continue with enquiries and update in due course."
OPTIONAL_SUPERVISION = ("next_review_due", "risk_reviewed", "plan_updated", "child_seen_or_heard")


def _note(rng: random.Random, at: datetime, child: bool, weak: bool) -> dict:
    """One entry as supervisors write them: a templated review, a short update or a thin one;
    some from a review template with its boxes filled (the structured columns)."""
    roll = rng.random()
    thin_p, full_p = (0.3, 0.35) if weak else (0.12, 0.65)
    out = dict.fromkeys(OPTIONAL_SUPERVISION)
    if roll < thin_p:
        return {**out, "note": rng.choice(THIN_NOTES), "actions_set": 0}
    if roll > 1 - full_p:
        actions = rng.sample(ACTIONS, rng.randint(1, 3))
        due = at + timedelta(days=rng.choice([14, 21, 28]))
        parts = [
            f"Risk: {rng.choice(RISKS)}." if rng.random() < 0.85 else "",
            "Actions: " + " ".join(f"{i}. {a}." for i, a in enumerate(actions, start=1)),
            f"Plan: {rng.choice(PLANS)}." if rng.random() < 0.8 else "",
            rng.choice(CHILD_VOICE) if child and rng.random() < 0.6 else "",
            f"Next review: {due:%d/%m/%Y}." if rng.random() < 0.75 else "",
        ]
        out |= {"note": " ".join(p for p in parts if p), "actions_set": len(actions)}
        if rng.random() < 0.4:  # a review template with its boxes
            out |= {"risk_reviewed": parts[0] != "", "plan_updated": parts[2] != "",
                    "child_seen_or_heard": (parts[3] != "") if child else None,
                    "next_review_due": due}  # fmt: skip
        return out
    return {**out, "note": rng.choice(SHORT_NOTES), "actions_set": rng.randrange(0, 3)}


@dataclass
class Mess:
    """How often each kind of problem is put into the extracts (share of rows)."""

    bad_row: float = 0.004  # for each kind of bad row, separately
    duplicate: float = 0.01
    late_incident: float = 0.02
    enum_spelling: float = 0.08


def _choice(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _local_time(rng: random.Random, day: datetime) -> datetime:
    # Avoid 01:00-02:00, ambiguous on the night the clocks go back.
    hour = rng.choice([0, *range(7, 24)])
    return day.replace(hour=hour, minute=rng.randrange(60), second=0)


def _fmt_times(series: pd.Series, rng: random.Random) -> pd.Series:
    """Write local times the ways real exports do: ISO, ISO with T, UK day-first, UTC Z, offset."""
    styles = rng.choices(["iso", "iso_t", "uk", "utc", "offset"], [70, 8, 12, 7, 3], k=len(series))
    styles = pd.Series(styles, index=series.index)
    out = pd.Series(pd.NA, index=series.index, dtype="object")
    present = series.notna()
    local = series.dt.tz_localize("Europe/London", ambiguous="NaT", nonexistent="shift_forward")
    formats = {"iso": "%Y-%m-%d %H:%M", "iso_t": "%Y-%m-%dT%H:%M:%S", "uk": "%d/%m/%Y %H:%M"}
    for style, fmt in formats.items():
        m = present & (styles == style)
        out[m] = series[m].dt.strftime(fmt)
    m = present & (styles == "utc") & local.notna()
    out[m] = local[m].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    m = present & (styles == "offset") & local.notna()
    out[m] = (
        local[m]
        .dt.strftime("%Y-%m-%d %H:%M:%S%z")
        .str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)
    )
    left = present & out.isna()
    out[left] = series[left].dt.strftime(formats["iso"])
    return out.fillna("")


def _bool_text(values: list[bool | None], rng: random.Random) -> list[str]:
    words = {True: ("Y", "yes", "TRUE", "1", "y"), False: ("N", "no", "false", "0", "n")}
    return ["" if v is None else rng.choice(words[v]) for v in values]


@dataclass
class Year:
    """One year of a sample: which (0 = the earliest), and the ids already used before it."""

    index: int = 0
    of: int = 1
    cases: int = 0
    incidents: int = 0
    reviews: int = 0

    @property
    def start(self) -> datetime:
        return PERIOD_END - timedelta(days=PERIOD_DAYS * (self.of - self.index) - 1)


def generate(scale: str, seed: int, year: Year | None = None) -> dict[str, pd.DataFrame]:
    """Clean records with true (local, naive) timestamps; mess is added by ``_mess``. For a
    scale of several years, ``year`` says which one (cases opened in it; their entries and
    closures may run on to PERIOD_END)."""
    year = year or Year()
    rng = random.Random(seed)
    n_inv = SCALES[scale]["investigations"]
    start = year.start
    cases, incidents, reviews = [], [], []
    teams = {}
    for n in range(n_inv):
        area = _choice(rng, AREAS)
        team_type = _choice(rng, TEAM_TYPES)
        team = teams.setdefault(
            (area, team_type, n % 3),
            f"{area} {_team_words(team_type)} {n % 3 + 1}",
        )
        opened = _local_time(rng, start + timedelta(days=rng.randrange(PERIOD_DAYS)))
        days_open = rng.expovariate(1 / MEAN_DAYS_OPEN[team_type])
        closed = opened + timedelta(days=days_open, hours=rng.randrange(1, 9))
        closed = None if closed.date() > PERIOD_END.date() else closed
        specialist = team_type in SPECIALIST
        child_victim_p = 0.9 if specialist else 0.25 if team_type != "response" else 0.18
        victim_age = (
            None
            if rng.random() < 0.08
            else rng.randrange(0, 18)
            if rng.random() < child_victim_p
            else rng.randrange(18, 90)
        )
        suspect_age = (
            None
            if rng.random() < 0.3
            else rng.randrange(10, 18)
            if rng.random() < 0.08
            else rng.randrange(18, 75)
        )
        cp = rng.random() < (0.7 if specialist else 0.06)
        incident_id = None
        if rng.random() < 0.85:
            incident_id = f"INC{year.incidents + len(incidents) + 1:07d}"
            child_linked = victim_age is not None and victim_age < 18 and rng.random() < 0.7
            incidents.append(
                {
                    "incident_id": incident_id,
                    "reported_at": opened - timedelta(hours=rng.randrange(0, 72)),
                    "area": area,
                    "incident_type": rng.choice(INCIDENT_TYPES),
                    "child_linked": child_linked if rng.random() > 0.05 else None,
                    "children_present": rng.choice([0, 0, 0, 1, 2, 3]) if child_linked else 0,
                }
            )
        case_id = f"INV{year.cases + n + 1:07d}"
        cases.append(
            {
                "investigation_id": case_id,
                "incident_id": incident_id,
                "opened_at": opened,
                "closed_at": closed,
                "area": area,
                "team": team,
                "team_type": team_type,
                "officer_id": f"{'DC' if specialist or team_type == 'cid' else 'PC'}"
                f"{rng.randrange(1000, 9999)}",
                "offence": rng.choice(OFFENCES.get(team_type, OTHER_OFFENCES)),
                "victim_age": victim_age,
                "suspect_age": suspect_age,
                "child_protection_concern": cp if rng.random() > 0.1 else None,
            }
        )
        reviews.extend(_reviews_for(rng, case_id, area, team_type, opened, closed))
    # Incidents that never became investigations.
    n_other = int(n_inv * SCALES[scale]["incidents_per_investigation"]) - len(incidents)
    for _ in range(max(n_other, 0)):
        reported = _local_time(rng, start + timedelta(days=rng.randrange(PERIOD_DAYS)))
        linked = rng.random() < 0.12
        incidents.append(
            {
                "incident_id": f"INC{year.incidents + len(incidents) + 1:07d}",
                "reported_at": reported,
                "area": _choice(rng, AREAS),
                "incident_type": rng.choice(INCIDENT_TYPES),
                "child_linked": linked,
                "children_present": rng.choice([0, 1, 2]) if linked else 0,
            }
        )
    for i, r in enumerate(reviews, start=year.reviews + 1):
        r["review_id"] = f"REV{i:08d}"
    return {
        "incidents": pd.DataFrame(incidents),
        "investigations": pd.DataFrame(cases),
        "supervision": pd.DataFrame(reviews),
    }


# --- the inspection's other findings (issue 17): made with their own random stream, so the
# three original files stay byte for byte what they were for a seed.
SUSPECT_STATUSES = (
    ("arrested", 0.1), ("bailed", 0.15), ("rui", 0.3), ("charged", 0.15), ("nfa", 0.2),
    ("other", 0.1),
)  # fmt: skip
RISK_CATEGORIES = (
    ("absent", 0.22), ("no_apparent_risk", 0.05), ("low", 0.3), ("medium", 0.33), ("high", 0.1),
)  # fmt: skip


def add_case_details(cases: pd.DataFrame, rng: random.Random) -> pd.DataFrame:
    """The optional investigation columns: allocation and plan (a few late or missing), the
    suspect's status (RUI common in 2018), bail dates, CAWNs, online offending."""
    out = []
    for case in cases.to_dict("records"):
        opened = case["opened_at"]
        roll = rng.random()
        allocated = (
            None if roll < 0.02
            else opened + timedelta(hours=rng.uniform(49, 200)) if roll < 0.07
            else opened + timedelta(hours=min(rng.expovariate(1 / 8), 47))
        )  # fmt: skip
        roll = rng.random()
        plan = (
            None if roll < 0.05
            else opened + timedelta(days=rng.uniform(8, 30)) if roll < 0.15
            else opened + timedelta(days=rng.uniform(0.2, 6.5))
        )  # fmt: skip
        # Not yet happened by the day before the last: unknown to the extracts (a later
        # timestamp would move the base extract's day).
        allocated, plan = (None if t is None or t >= PERIOD_END else t for t in (allocated, plan))
        status = "none" if pd.isna(case["suspect_age"]) else _choice(rng, SUSPECT_STATUSES)
        # Bail is extended while a case stays open: most open cases' bail ends after the
        # sample's end, a few days before it (lapsed, the suspect still recorded as bailed).
        bail = None
        if status == "bailed":
            bail = (
                PERIOD_END
                + timedelta(
                    days=rng.randint(-6, 7) if rng.random() < 0.25 else rng.randint(8, 90),
                    hours=rng.randint(9, 17),
                )
                if pd.isna(case["closed_at"])
                else opened + timedelta(days=rng.randint(20, 100))
            )
        child = not pd.isna(case["victim_age"]) and case["victim_age"] < 18
        online_p = {"online_child_abuse": 0.95, "cse": 0.08}.get(case["team_type"], 0.04)
        out.append(
            {
                "suspect_status": status,
                "bail_until": bail,
                "cawn_issued": child and rng.random() < 0.06,
                "online": rng.random() < online_p if rng.random() > 0.03 else None,
                "allocated_at": allocated,
                "plan_recorded_at": plan,
            }
        )
    return pd.concat([cases.reset_index(drop=True), pd.DataFrame(out)], axis=1)


def custody_and_missing(
    cases: pd.DataFrame, rng: random.Random, start: datetime, year: Year
) -> dict[str, pd.DataFrame]:
    """Detentions of children (about 1.3 per 100 investigations, at least 40) and missing
    episodes of children (about 5 per 100, at least 150; many children more than once)."""
    n = len(cases)
    child_suspects = cases[cases["suspect_age"] < 18]
    custody = []
    for k in range(max(40, round(n * 0.013))):
        case = (
            child_suspects.iloc[rng.randrange(len(child_suspects))] if len(child_suspects) else None
        )
        detained = _local_time(rng, start + timedelta(days=rng.randrange(PERIOD_DAYS)))
        charged = detained + timedelta(hours=rng.uniform(2, 20)) if rng.random() < 0.35 else None
        refused = charged is not None and rng.random() < 0.45
        requested = outcome = certificate = rationale = None
        if refused:
            if rng.random() < 0.9:
                requested = charged + timedelta(
                    hours=rng.uniform(0.1, 2) if rng.random() < 0.6 else rng.uniform(2, 9)
                )
            outcome = _choice(rng, (("secured", 0.3), ("not_available", 0.4),
                                    ("impracticable", 0.25), ("not_requested", 0.05)))  # fmt: skip
            if outcome != "secured":
                certificate = rng.random() < 0.7
                if certificate and rng.random() < 0.8:
                    rationale = "No secure bed available; LA emergency duty team contacted."
        end = charged or detained
        released = end + timedelta(hours=rng.uniform(1, 30 if refused else 6))
        cut = PERIOD_END.replace(hour=23, minute=59)
        charged, requested = (None if t is None or t > cut else t for t in (charged, requested))
        refused = refused and charged is not None
        custody.append(
            {
                "custody_id": f"CUS{year.index:02d}{k + 1:06d}",
                "investigation_id": None if case is None else case["investigation_id"],
                "area": _choice(rng, AREAS) if case is None else case["area"],
                "detained_at": detained,
                "child_age": int(case["suspect_age"]) if case is not None else rng.randint(10, 17),
                "charged_at": charged,
                "bail_refused": refused if charged is not None else None,
                "accommodation_requested_at": requested,
                "accommodation_outcome": outcome,
                "certificate_completed": certificate,
                "certificate_rationale": rationale,
                "released_at": released if released <= cut else None,
            }
        )
    episodes = max(150, round(n * 0.05))
    # Children go missing again and again: a few account for many episodes.
    children = [
        (f"MP{year.index:02d}{c + 1:05d}", _choice(rng, AREAS), rng.randint(11, 17))
        for c in range(max(1, episodes // 2))
    ]
    missing = []
    for k in range(episodes):
        ref, area, age = children[min(int(rng.expovariate(1 / 0.25) * len(children)),
                                      len(children) - 1)]  # fmt: skip
        reported = _local_time(rng, start + timedelta(days=rng.randrange(PERIOD_DAYS)))
        returned = reported + timedelta(hours=rng.expovariate(1 / 18))
        category = _choice(rng, RISK_CATEGORIES)
        roll = rng.random()
        offered_p = 0.4 if category == "absent" else 0.85
        offered = (
            None if roll > offered_p
            else returned + timedelta(hours=rng.uniform(80, 200)) if roll > offered_p * 0.82
            else returned + timedelta(hours=rng.uniform(4, 71))
        )  # fmt: skip
        cut = PERIOD_END.replace(hour=23, minute=59)
        missing.append(
            {
                "episode_id": f"MIS{year.index:02d}{k + 1:06d}",
                "person_ref": ref,
                "area": area,
                "reported_at": reported,
                "child_age": age,
                "risk_category": category,
                "returned_at": returned if returned <= cut else None,
                "return_interview_offered_at": offered if offered and offered <= cut else None,
            }
        )
    return {"custody": pd.DataFrame(custody), "missing": pd.DataFrame(missing)}


# How many officers of each rank write on cases in one area: entries come from these pools,
# so each supervisor has a realistic caseload.
POOL = {"PS": 40, "DS": 18, "DI": 6, "DCI": 2, "INSP": 10, "PC": 300, "DC": 120, "STAFF": 30}


def _reviews_for(
    rng: random.Random,
    case_id: str,
    area: str,
    team_type: str,
    opened: datetime,
    closed: datetime | None,
) -> list[dict]:
    """A plausible supervision history: mostly on time, a visible minority late or missing."""
    end = closed or PERIOD_END.replace(hour=23, minute=59)
    out: list[dict] = []

    # The report's finding: one area's oversight visibly weaker than the others'.
    weak = area == "East"
    child = team_type in SPECIALIST or rng.random() < 0.3

    def add(at: datetime, rank: str, review_type: str) -> None:
        if opened < at <= end:
            reviewer = f"{rank}-{area[0]}{rng.randrange(POOL[rank]) + 1:03d}"
            if reviewer in (f"DS-{area[0]}001", f"PS-{area[0]}001"):
                entry = {**dict.fromkeys(OPTIONAL_SUPERVISION), "note": PASTED, "actions_set": 0}
            else:
                entry = _note(rng, at, child, weak)
            out.append(
                {
                    "investigation_id": case_id,
                    "reviewed_at": at,
                    "reviewer_id": reviewer,
                    "reviewer_rank": rank,
                    "review_type": review_type,
                    **entry,
                }
            )

    def timeline(gaps: tuple[tuple[tuple[int, int], float], ...], ranks, review_type) -> None:
        at = opened
        while True:
            (lo, hi) = rng.choices([g[0] for g in gaps], [g[1] for g in gaps])[0]
            at = _local_time(rng, at + timedelta(days=rng.randint(lo, hi)))
            if at > end:
                return
            add(at, _choice(rng, ranks), review_type)

    if team_type in SPECIALIST:
        timeline(
            (((4, 24), 0.85), ((29, 45), 0.11), ((46, 90), 0.04)),
            (("DS", 0.86), ("DI", 0.1), ("DCI", 0.04)),
            "DS 28-day review",
        )
    elif team_type == "response":
        if rng.random() < 0.6:
            timeline(
                (((0, 6), 0.5), ((7, 30), 0.4), ((31, 60), 0.1)),
                (("PS", 0.85), ("INSP", 0.12), ("DS", 0.03)),
                "supervisor review",
            )
    elif rng.random() < 0.85:
        timeline(
            (((3, 20), 0.7), ((21, 45), 0.3)),
            (("DS", 0.6), ("PS", 0.3), ("DI", 0.1)),
            "supervisor review",
        )
    # Updates by the investigating officer or staff: on the log, but not supervision.
    for _ in range(rng.choice([0, 1, 2, 2, 3, 4, 5])):
        span = max((end - opened).days, 1)
        add(
            _local_time(rng, opened + timedelta(days=rng.randrange(span))),
            rng.choice(["PC", "DC", "STAFF"]),
            "investigation update",
        )
    return out


def _as_text(
    frames: dict[str, pd.DataFrame], rng: random.Random, mess: Mess, extra: random.Random
) -> dict:
    """Render typed frames as extract text, with the spelling variety of real exports. The
    issue 17 columns and files use ``extra`` (the original files stay as they were)."""
    out = {}
    for ex in (INCIDENTS, INVESTIGATIONS, SUPERVISION, CUSTODY, MISSING):
        if ex.name not in frames:
            continue
        df = frames[ex.name]
        text = pd.DataFrame(index=df.index)
        for col in ex.columns:
            rng_ = extra if (col.enables or ex.optional) else rng
            text[col.name] = _text_column(df, col, rng_, mess)
        out[ex.name] = text
    return out


def _text_column(df: pd.DataFrame, col, rng: random.Random, mess: Mess) -> pd.Series | list:
    s = df[col.name] if col.name in df else pd.Series(None, index=df.index)
    if col.kind == "timestamp":
        return _fmt_times(pd.to_datetime(s), rng)
    if col.kind == "bool":
        return _bool_text([None if pd.isna(v) else bool(v) for v in s], rng)
    if col.kind == "int":
        return [("" if pd.isna(v) else str(int(v))) for v in s]
    if col.kind == "enum":
        return ["" if pd.isna(v) else _respell(str(v), rng, mess) for v in s]
    return s.fillna("").astype(str)


def _respell(value: str, rng: random.Random, mess: Mess) -> str:
    if rng.random() >= mess.enum_spelling:
        return value
    return rng.choice([value.upper(), value.lower(), value.title(), f" {value} "])


def _spoil(text: dict[str, pd.DataFrame], typed: dict[str, pd.DataFrame], rng, mess) -> None:
    """Put a few bad rows of every kind the loader must quarantine into the extracts."""

    def rows(df: pd.DataFrame) -> list:
        k = max(1, round(len(df) * mess.bad_row)) if len(df) else 0
        return rng.sample(list(df.index), k)

    inc, inv, sup = text["incidents"], text["investigations"], text["supervision"]
    for i in rows(inc):
        inc.at[i, "reported_at"] = rng.choice(["31/02/2018 10:00", "2018-13-05 09:00", "unknown"])
    for i in rows(inc):
        inc.at[i, "area"] = ""
    for i in rows(inc):
        inc.at[i, "children_present"] = rng.choice(["two", "-1"])
    for i in rows(inc):
        inc.at[i, "child_linked"] = "maybe"
    for i in rows(inv):
        inv.at[i, "opened_at"] = rng.choice(["2018-02-30 10:00", "12/25/2018 10:00", "tbc"])
    for i in rows(inv):
        opened = typed["investigations"].at[i, "opened_at"]
        inv.at[i, "closed_at"] = (opened - timedelta(days=rng.randint(1, 30))).strftime(
            "%Y-%m-%d %H:%M"
        )
    for i in rows(inv):
        inv.at[i, "team_type"] = rng.choice(["Child Protection Unit", "CID Team", "PPU"])
    for i in rows(inv):
        inv.at[i, "area"] = rng.choice(["North", "Lancs"])
    for i in rows(inv):
        inv.at[i, "victim_age"] = rng.choice(["12yrs", "150", "-4"])
    for i in rows(inv):
        inv.at[i, "team"] = ""
    for i in rows(sup):
        sup.at[i, "reviewed_at"] = rng.choice(["2018-06-31 10:00", "yesterday", "31/31/2018"])
    for i in rows(sup):
        sup.at[i, "reviewer_rank"] = rng.choice(["Sgt", "D/Sgt", "DCS"])
    for i in rows(sup):
        sup.at[i, "reviewer_id"] = ""
    for i in rows(sup):
        sup.at[i, "actions_set"] = rng.choice(["two", "-1", "1.5"])
    opened = typed["investigations"].set_index("investigation_id")["opened_at"]
    for i in rows(sup):
        case_opened = opened[typed["supervision"].at[i, "investigation_id"]]
        sup.at[i, "reviewed_at"] = (case_opened - timedelta(days=rng.randint(1, 10))).strftime(
            "%Y-%m-%d %H:%M"
        )
    for i in rows(sup):
        sup.at[i, "investigation_id"] = f"INV9{rng.randrange(10**6):07d}"


def _spoil_optional(text: dict[str, pd.DataFrame], rng: random.Random, mess: Mess) -> None:
    """The issue 17 columns and files get their own bad rows and exact copies."""

    def rows(df: pd.DataFrame) -> list:
        k = max(1, round(len(df) * mess.bad_row)) if len(df) else 0
        return rng.sample(list(df.index), k)

    inv, cus, mis = text["investigations"], text["custody"], text["missing"]
    for i in rows(inv):
        inv.at[i, "suspect_status"] = rng.choice(["Released on bail", "RUI pending", "?"])
    for i in rows(cus):
        cus.at[i, "detained_at"] = rng.choice(["31/06/2018 02:00", "tonight"])
    for i in rows(cus):
        cus.at[i, "accommodation_outcome"] = rng.choice(["refused by LA", "bed found"])
    for i in rows(mis):
        mis.at[i, "risk_category"] = rng.choice(["Absent - no apparent risk", "MEDIUM RISK"])
    for i in rows(mis):
        mis.at[i, "person_ref"] = ""
    text["custody"] = _with_duplicates(cus, mess.duplicate, rng)
    text["missing"] = _with_duplicates(mis, mess.duplicate, rng)


def _with_duplicates(df: pd.DataFrame, share: float, rng: random.Random) -> pd.DataFrame:
    picks = rng.sample(list(df.index), round(len(df) * share)) if len(df) else []
    both = pd.concat([df, df.loc[picks]])
    return both.iloc[both.index.argsort(kind="stable")].reset_index(drop=True)


def _split(typed: dict[str, pd.DataFrame], rng: random.Random, mess: Mess):
    """Base extract = everything known by the end of the day before PERIOD_END; delta = that day,
    plus late-arriving incidents, closures and team-type changes."""
    last = pd.Timestamp(PERIOD_END.date())
    inc, inv, sup = (typed[k].copy() for k in ("incidents", "investigations", "supervision"))

    linked = inc["incident_id"].isin(inv["incident_id"])
    late = linked & (
        pd.Series([rng.random() for _ in inc.index], index=inc.index) < mess.late_incident
    )
    inc_delta_mask = (inc["reported_at"] >= last) | late
    base = {"incidents": inc[~inc_delta_mask], "supervision": sup[sup["reviewed_at"] < last]}
    delta = {"incidents": inc[inc_delta_mask], "supervision": sup[sup["reviewed_at"] >= last]}

    opened_last = inv["opened_at"] >= last
    closed_last = inv["closed_at"] >= last
    still_open = inv["closed_at"].isna()
    moved = (inv["team_type"] == "child_protection") & still_open & ~opened_last
    moved &= pd.Series([rng.random() < 0.05 for _ in inv.index], index=inv.index)
    base_inv = inv[~opened_last].copy()
    base_inv.loc[closed_last, "closed_at"] = pd.NaT
    base_inv.loc[moved, "team_type"] = "response"
    base_inv.loc[moved, "team"] = base_inv.loc[moved, "area"] + " Response 1"
    base["investigations"] = base_inv
    delta["investigations"] = inv[opened_last | closed_last | moved]
    for name, when in (("custody", "detained_at"), ("missing", "reported_at")):
        if name in typed:
            df = typed[name]
            base[name] = df[df[when] < last]
            delta[name] = df[df[when] >= last]
    return base, delta


def write_sample(out_dir: Path, scale: str, seed: int, mess: Mess | None = None) -> dict[str, int]:
    """Write DIR/{incidents,investigations,supervision}.csv and DIR/delta/ the same. A scale of
    several years is made and appended to the files a year at a time (memory: one year)."""
    mess = mess or Mess()
    years = SCALES[scale]["years"]
    year = Year(of=years)
    counts: dict[str, int] = {}
    for index in range(years):
        year.index = index
        # Year 0 of a one-year scale uses the seeds it always did: the same files as before.
        rng = random.Random(seed + 1 + 7919 * index)
        typed = generate(scale, seed + 7919 * index, year)
        extra = random.Random(seed + 17 + 7919 * index)
        typed["investigations"] = add_case_details(typed["investigations"], extra)
        typed |= custody_and_missing(typed["investigations"], extra, year.start, year)
        # Incidents arriving a day late belong to the last days, not to years ago.
        late = mess if index == years - 1 else replace(mess, late_incident=0.0)
        base, delta = _split(typed, rng, late)
        for folder, part, spoil in (
            (Path(out_dir), base, True),
            (Path(out_dir) / "delta", delta, False),
        ):
            for path, rows in _write_part(
                folder, part, spoil, rng, mess, first=index == 0, extra=extra
            ):
                counts[path] = counts.get(path, 0) + rows
        year.cases += len(typed["investigations"])
        year.incidents += len(typed["incidents"])
        year.reviews += len(typed["supervision"])
    return counts


def _write_part(
    folder: Path,
    part: dict,
    spoil: bool,
    rng: random.Random,
    mess: Mess,
    first: bool,
    extra: random.Random,
) -> list[tuple[str, int]]:
    """Write (or, after the first year, append) one year's base or delta as extract text."""
    folder.mkdir(parents=True, exist_ok=True)
    part = {k: v.reset_index(drop=True) for k, v in part.items()}
    text = _as_text(part, rng, mess, extra)
    if spoil:
        _spoil(text, part, rng, mess)
        _spoil_optional(text, extra, mess)
        text["supervision"] = _with_duplicates(text["supervision"], mess.duplicate, rng)
        text["incidents"] = _with_duplicates(text["incidents"], mess.duplicate / 2, rng)
    else:
        # The delta comes from the older export, without the review template's columns.
        text["supervision"] = text["supervision"].drop(columns=list(OPTIONAL_SUPERVISION))
        # Excel users re-save the delta: Windows-1252, with a dash and a pound sign.
        offence = text["investigations"]["offence"].str.replace(
            "criminal damage", "criminal damage \u2013 under \u00a3500"
        )
        if len(offence):
            offence.iloc[0] += " \u2013 amended"
        text["investigations"]["offence"] = offence
    encodings = {"supervision": "utf-8-sig"} if spoil else {"investigations": "cp1252"}
    written = []
    for ex in (INCIDENTS, INVESTIGATIONS, SUPERVISION, CUSTODY, MISSING):
        path = folder / ex.file
        encoding = encodings.get(ex.name, "utf-8")
        if not first and encoding == "utf-8-sig":
            encoding = "utf-8"  # the byte-order mark once, at the start of the file
        text[ex.name].to_csv(
            path, index=False, encoding=encoding, mode="w" if first else "a", header=first
        )
        written.append((str(path), len(text[ex.name])))
    return written


def _team_words(team_type: str) -> str:
    """A team's name as a force spells it: "Child Protection", "CSE", "Online Child Abuse"."""
    return TEAM_TYPE_ACRONYMS.get(team_type) or team_type.replace("_", " ").title()
