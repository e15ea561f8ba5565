"""Extracts that do not arrive as CSV: Parquet files, an Excel workbook, or the force's own
database through SQLAlchemy. Each is written out as the contract's CSVs and then loaded by the
one loading path (etl/load.py), so every row meets the same validation, quarantine and merge.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from etl.contract import ALL_EXTRACTS, EXTRACTS, Extract
from etl.load import LoadError, Prepared, prepared_folder
from etl.reader import StructuralError, named_twice, refuse_symlink
from etl.redact import SECRET_PARAM, redact
from etl.warehouse import prev_has_table

WATERMARKS_DDL = """
CREATE TABLE IF NOT EXISTS source_watermarks (
  source VARCHAR, extract VARCHAR, column_name VARCHAR, value VARCHAR, kind VARCHAR,
  updated_at TIMESTAMP
)
"""


def prepare(source: str, workdir: Path, db_path: Path, mapping: Path | None = None) -> Prepared:
    """Whatever ``source`` is, a folder of contract CSVs for the loader."""
    if "://" in source:
        if mapping is None:
            raise LoadError("a database source needs --mapping mapping.toml (see docs/)")
        return from_database(source, mapping, workdir, db_path)
    path = Path(source)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _refuse_symlink(path)
        return from_workbook(path, workdir)
    csv_files = path.is_dir() and any((path / ex.file).exists() for ex in EXTRACTS)
    if (
        path.is_dir()
        and not csv_files
        and any((path / f"{ex.name}.parquet").exists() for ex in EXTRACTS)
    ):
        return from_parquet(path, workdir)
    return prepared_folder(path)


def _refuse_symlink(path: Path) -> None:
    try:
        refuse_symlink(path)
    except StructuralError as exc:
        raise LoadError(str(exc)) from exc


def _text(value) -> str:
    """One cell as the contract's text: ISO timestamps (with their offset), true/false."""
    if value is None or (not isinstance(value, str | bytes) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        if value.tzinfo is not None:
            return value.isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value)


def _write(df: pd.DataFrame, extract: Extract, folder: Path) -> None:
    df.map(_text).to_csv(folder / extract.file, index=False, encoding="utf-8")


def from_parquet(folder: Path, workdir: Path) -> Prepared:
    out = workdir / "from-parquet"
    out.mkdir()
    con = duckdb.connect()
    try:
        for ex in ALL_EXTRACTS:
            path = folder / f"{ex.name}.parquet"
            _refuse_symlink(path)
            if ex.optional and not path.exists():
                continue  # custody, missing: absent = not supplied (their checks stay off)
            if not path.exists():
                raise LoadError(f"{path.name}: missing file (looked for {path})")
            try:
                df = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
            except duckdb.Error as exc:
                raise LoadError(f"{path.name}: unreadable file: {exc}") from exc
            df.columns = [str(c).strip().lower() for c in df.columns]
            _write(df, ex, out)
    finally:
        con.close()
    labels = {ex.name: f"{ex.name}.parquet" for ex in ALL_EXTRACTS}
    return Prepared(out, str(folder.resolve()), labels, record_lines=True)


def _with_header(sheet: pd.DataFrame, label: str) -> pd.DataFrame:
    """A sheet read without a header, its first row made the header; a column named twice is
    refused, as in a CSV extract (reader._header): which of the two would be the area?"""
    if sheet.empty:
        return sheet
    header = ["" if pd.isna(c) else str(c).strip().lower() for c in sheet.iloc[0]]
    twice = named_twice(header)
    if twice is not None:
        raise LoadError(f"{label}: column {twice!r} appears twice in the header")
    return sheet.iloc[1:].set_axis(header, axis=1)


def from_workbook(path: Path, workdir: Path) -> Prepared:
    """A workbook with one sheet per extract, named incidents, investigations, supervision."""
    if not path.is_file():
        raise LoadError(f"{path.name}: missing file (looked for {path})")
    try:
        # header=None: given a header, pandas renames a column named twice ("area.1") and
        # the second one would be dropped unseen; the header is checked as a CSV's is.
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl", header=None)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise LoadError(f"{path.name}: unreadable workbook: {exc}") from exc
    names = {name.strip().lower(): name for name in sheets}
    out = workdir / "from-workbook"
    out.mkdir()
    for ex in ALL_EXTRACTS:
        if ex.optional and ex.name not in names:
            continue  # custody, missing: absent = not supplied
        if ex.name not in names:
            raise LoadError(
                f"{path.name}: missing sheet {ex.name} (sheets: {', '.join(sheets) or 'none'})"
            )
        _write(_with_header(sheets[names[ex.name]], f"{path.name}:{ex.name}"), ex, out)
    labels = {ex.name: f"{path.name}:{ex.name}" for ex in ALL_EXTRACTS}
    return Prepared(out, str(path.resolve()), labels, record_lines=True)


# --- the force's database ------------------------------------------------------------------


def database_url(url: str):
    """The URL with its password from the environment, never from the command line.

    PVP_SOURCE_PASSWORD, or a file named by PVP_SOURCE_PASSWORD_FILE (outside the repository).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise LoadError(f"not a database URL: {redact(url)}") from exc
    secret_params = sorted(k for k in parsed.query if SECRET_PARAM.search(k))
    if parsed.password is not None or secret_params or redact(url) != url:
        where = f"query parameter(s) {', '.join(secret_params)}" if secret_params else "user info"
        raise LoadError(
            f"put no password in the URL ({where}: it stays in shell history and logs); set "
            "PVP_SOURCE_PASSWORD_FILE to a file holding it, or PVP_SOURCE_PASSWORD"
        )
    password = os.environ.get("PVP_SOURCE_PASSWORD")
    if not password and os.environ.get("PVP_SOURCE_PASSWORD_FILE"):
        password = Path(os.environ["PVP_SOURCE_PASSWORD_FILE"]).read_text().strip()
    return parsed.set(password=password) if password else parsed


def _mapping(path: Path) -> dict:
    try:
        raw = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LoadError(f"{path}: unreadable mapping: {exc}") from exc
    for ex in EXTRACTS:
        entry = raw.get(ex.name)
        if not isinstance(entry, dict) or not ({"table", "query"} & set(entry)):
            raise LoadError(f"{Path(path).name}: [{ex.name}] needs a table or a query")
        unknown = set(entry.get("columns", {})) - set(ex.names)
        if unknown:
            raise LoadError(
                f"{Path(path).name}: [{ex.name}.columns] names no contract column "
                f"{', '.join(sorted(unknown))}"
            )
    return raw


def _previous_watermarks(db_path: Path, source: str) -> dict[str, tuple[str, str]]:
    if not Path(db_path).exists():
        return {}
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        has = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'source_watermarks'"
        ).fetchall()[0][0]
        if not has:
            return {}
        rows = con.execute(
            "SELECT extract, value, kind FROM source_watermarks WHERE source = ?", [source]
        ).fetchall()
    finally:
        con.close()
    return {extract: (value, kind) for extract, value, kind in rows}


def _watermark_value(value: str, kind: str):
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "int":
        return int(value)
    return value


def _watermark_text(value) -> tuple[str, str]:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return pd.Timestamp(value).isoformat(), "datetime"
    if isinstance(value, int):
        return str(value), "int"
    return str(value), "str"


def from_database(url: str, mapping_path: Path, workdir: Path, db_path: Path) -> Prepared:
    """Pull each extract as the mapping says; with a watermark, only rows changed since the
    last successful pull. The new watermark is written into the new warehouse, so it only
    advances when the load succeeds."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    mapping = _mapping(mapping_path)
    real_url = database_url(url)
    shown = redact(real_url.render_as_string(hide_password=True))
    source_key = f"{shown}#{Path(mapping_path).name}"
    previous = _previous_watermarks(db_path, source_key)
    out = workdir / "from-database"
    out.mkdir()
    new_marks: dict[str, tuple[str, str, str]] = {}
    engine = create_engine(real_url)
    try:
        with engine.connect() as conn:
            for ex in EXTRACTS:
                entry = mapping[ex.name]
                relation = entry.get("query") or _quoted(conn, entry["table"])
                if entry.get("query"):
                    relation = f"({relation})"
                try:
                    available = list(
                        conn.execute(text(f"SELECT * FROM {relation} AS s WHERE 1 = 0")).keys()
                    )
                except SQLAlchemyError as exc:
                    raise LoadError(
                        f"{Path(mapping_path).name}: [{ex.name}] cannot be read: "
                        f"{str(exc.orig or exc).splitlines()[0]}"
                    ) from exc
                columns = entry.get("columns", {})
                chosen = []
                for name in ex.names:
                    src = columns.get(name, name)
                    if src not in available:
                        if name in ex.required or name in columns:
                            raise LoadError(
                                f"{Path(mapping_path).name}: [{ex.name}] column {name} maps to "
                                f"{src!r}, which {entry.get('table', 'the query')} does not "
                                f"have (it has: {', '.join(available)})"
                            )
                        continue  # an optional column the source does not hold
                    chosen.append(f'"{src}" AS "{name}"')
                mark = entry.get("watermark")
                if mark and mark not in available:
                    raise LoadError(
                        f"{Path(mapping_path).name}: [{ex.name}] watermark column {mark!r} "
                        f"is not in {entry.get('table', 'the query')}"
                    )
                sql = f"SELECT {', '.join(chosen)}"
                sql += f', "{mark}" AS "__watermark"' if mark else ""
                sql += f" FROM {relation} AS s"
                params = {}
                if mark and ex.name in previous:
                    sql += f' WHERE "{mark}" > :since'
                    params["since"] = _watermark_value(*previous[ex.name])
                df = pd.read_sql(text(sql), conn, params=params)
                if mark:
                    latest = df["__watermark"].max() if len(df) else None
                    # Rows with no watermark at all leave it where it was: "nan" stored as the
                    # mark would match nothing (SQLite) or fail (PostgreSQL) on every later pull.
                    if latest is not None and not pd.isna(latest):
                        new_marks[ex.name] = (mark, *_watermark_text(latest))
                    df = df.drop(columns="__watermark")
                _write(df, ex, out)
    except SQLAlchemyError as exc:
        raise LoadError(redact(f"{shown}: {str(exc.orig or exc).splitlines()[0]}")) from exc
    finally:
        engine.dispose()

    def write_watermarks(con: duckdb.DuckDBPyConnection) -> None:
        if prev_has_table(con, "source_watermarks"):
            con.execute("CREATE TABLE source_watermarks AS SELECT * FROM prev.source_watermarks")
        else:
            con.execute(WATERMARKS_DDL)
        for extract, (column, value, kind) in new_marks.items():
            con.execute(
                "DELETE FROM source_watermarks WHERE source = ? AND extract = ?",
                [source_key, extract],
            )
            con.execute(
                "INSERT INTO source_watermarks VALUES (?, ?, ?, ?, ?, ?)",
                [source_key, extract, column, value, kind, dt.datetime.now()],
            )

    labels = {ex.name: f"{real_url.get_backend_name()}:{ex.name}" for ex in EXTRACTS}
    return Prepared(out, shown, labels, record_lines=True, after_merge=write_watermarks)


def _quoted(conn, table: str) -> str:
    preparer = conn.dialect.identifier_preparer
    return ".".join(preparer.quote(part) for part in table.split("."))


def load_source(
    source: str,
    db_path: Path,
    settings,
    mapping: Path | None = None,
    progress=None,
    extracted_on=None,
):
    """Prepare ``source`` (folder, Parquet folder, workbook or database URL) and load it."""
    import tempfile

    from etl.load import load

    with tempfile.TemporaryDirectory(prefix="etl-source-") as work:
        prepared = prepare(str(source), Path(work), Path(db_path), mapping)
        return load(prepared, db_path, settings, progress=progress, extracted_on=extracted_on)
