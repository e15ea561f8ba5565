"""For arbitrary rows, every row is loaded, counted as a duplicate or quarantined; no crash."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from etl.contract import EXTRACTS, Kind
from etl.load import load
from etl.settings import Settings

VALID = {
    Kind.TEXT: st.sampled_from(["A1", "A2", "B1", "x y", ""]),
    Kind.TIMESTAMP: st.sampled_from(
        ["2018-06-01 10:00", "01/06/2018 10:00", "2018-06-01T09:00:00Z", "2018-05-31", ""]
    ),
    Kind.INT: st.sampled_from(["0", "5", "17", "120", "-1", "121", "1.5", ""]),
    Kind.BOOL: st.sampled_from(["Y", "no", "TRUE", "0", "", "maybe"]),
}
ENUMS = ["West", " east ", "SOUTH", "response", "CSE", "ds", "PC", "Sgt", ""]
NASTY = st.text(
    alphabet=st.characters(exclude_categories=("Cs",)), max_size=12
)  # quotes, commas, newlines, NUL, BOMs, any script


def field(kind: Kind):
    base = st.sampled_from(ENUMS) if kind is Kind.ENUM else VALID[kind]
    return st.one_of(base, base, base, NASTY)


def rows_for(extract):
    return st.lists(
        st.fixed_dictionaries({c.name: field(c.kind) for c in extract.columns}), max_size=12
    ).flatmap(lambda rows: st.just(rows + rows[: len(rows) // 3]))  # some exact duplicates


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batches=st.lists(st.tuples(*(rows_for(ex) for ex in EXTRACTS)), min_size=1, max_size=2))
def test_no_row_is_lost_and_the_loader_never_crashes(batches):
    settings = Settings()
    inserted: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        for n, batch in enumerate(batches):
            folder = Path(tmp) / f"x{n}"
            folder.mkdir()
            for ex, rows in zip(EXTRACTS, batch, strict=True):
                with (folder / ex.file).open("w", newline="", encoding="utf-8") as fh:
                    writer = csv.DictWriter(fh, fieldnames=list(ex.names))
                    writer.writeheader()
                    writer.writerows(rows)
            result = load(folder, db, settings)
            # validate.py refuses a load whose loaded + duplicates + quarantined differ from the
            # rows read; here the counts are checked against what was written and what is kept.
            for f, rows in zip(result.files, batch, strict=True):
                assert f.rows_read == len(rows), f.file
                assert f.inserted + f.updated + f.unchanged == f.loaded, f.file
                inserted[f.file] = inserted.get(f.file, 0) + f.inserted
        con = duckdb.connect(str(db), read_only=True)
        try:
            for ex in EXTRACTS:
                # Every inserted row is a new record, kept; updates replace, never add.
                kept = con.execute(f"SELECT count(*) FROM {ex.name}").fetchall()[0][0]
                assert kept == inserted[ex.file], ex.name
        finally:
            con.close()
