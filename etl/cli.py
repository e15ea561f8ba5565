"""``python -m etl``: load extracts, list flags and rejects, make sample data.

Data goes to stdout; progress and messages go to stderr.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import duckdb
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from etl.load import LoadError, LoadResult
from etl.redact import redact
from etl.settings import get_settings
from etl.sources import load_source
from etl.spreadsheet import write_csv

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
err = Console(stderr=True)
# Piped tables would otherwise be cut to 80 columns.
out = Console(width=None if sys.stdout.isatty() else 240)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse file [default: setting db_path, data/warehouse.duckdb]"),
]


class Format(StrEnum):
    csv = "csv"
    table = "table"


def _said(exc: BaseException | str) -> str:
    """A message that may hold user-controlled text (a header, a path, a URL), made safe to
    print through rich: secrets redacted, markup escaped."""
    return escape(redact(str(exc)))


def _say(message: str) -> None:
    err.print(_said(message))


def _db(db: Path | None) -> Path:
    return db or get_settings().db_path


def _emit(df: pd.DataFrame, fmt: Format, title: str) -> None:
    if fmt is Format.csv:
        write_csv(df, sys.stdout, date_format="%Y-%m-%d")
        return
    # Every cell is data (team names, notes, paths): escaped, never read as rich markup.
    table = Table(title=escape(title), show_lines=False)
    for col in df.columns:
        table.add_column(escape(str(col)), overflow="fold")
    for row in df.itertuples(index=False):
        table.add_row(*[escape(_cell(v)) for v in row])
    out.print(table)


def _cell(value: object) -> str:
    """UK conventions for people: DD/MM/YYYY dates."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime(
            "%d/%m/%Y %H:%M" if value.time() != datetime.min.time() else "%d/%m/%Y"
        )
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _summary(result: LoadResult) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "file": f.file,
                "read": f.rows_read,
                "loaded": f.loaded,
                "quarantined": f.quarantined,
                "duplicates": f.duplicates,
                "inserted": f.inserted,
                "updated": f.updated,
                "unchanged": f.unchanged,
                "encoding": f.encoding,
            }
            for f in result.files
        ]
    )


@app.command("load")
def load_cmd(
    source: Annotated[
        str,
        typer.Argument(
            help="A directory of the three CSVs (or .parquet files), an .xlsx workbook with a "
            "sheet per extract, or a SQLAlchemy database URL (with --mapping)"
        ),
    ],
    db: DbOption = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="For a database: mapping.toml")
    ] = None,
    extracted_on: Annotated[
        datetime | None,
        typer.Option(
            "--extracted-on",
            formats=["%Y-%m-%d"],
            help="The last day the extracts cover (default: the latest date in them)",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Validate and merge a set of extracts into the warehouse, atomically."""
    settings = get_settings()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("loading", total=12)

        def step(message: str) -> None:
            bar.update(task, description=escape(message), advance=1)

        try:
            result = load_source(
                source,
                _db(db),
                settings,
                mapping=mapping,
                progress=step,
                extracted_on=extracted_on.date() if extracted_on else None,
            )
        except LoadError as exc:
            err.print(f"[bold red]load failed, warehouse unchanged:[/] {_said(exc)}")
            raise typer.Exit(2) from exc
    summary = _summary(result)
    _emit(summary, fmt, f"load {result.load_id} into {result.db_path}")
    total_q = int(summary["quarantined"].sum())
    if total_q:
        err.print(
            f"{total_q} row(s) quarantined: see python -m etl rejects --db "
            f"{escape(str(result.db_path))}"
        )


def _open(db: Path | None):
    from etl.warehouse import connect_read_only

    path = _db(db)
    try:
        return connect_read_only(path)
    except FileNotFoundError as exc:
        err.print(f"[bold red]{_said(exc)}[/]")
        raise typer.Exit(2) from exc
    except duckdb.Error as exc:  # a file that is not a DuckDB database, or one in use
        err.print(f"[bold red]{escape(str(path))} cannot be opened as a warehouse: {_said(exc)}[/]")
        raise typer.Exit(2) from exc


@app.command("load-police-uk")
def load_police_uk_cmd(
    folder: Annotated[Path, typer.Argument(help="Directory of data.police.uk *-street.csv files")],
    db: DbOption = None,
) -> None:
    """Load published street-level crime (data.police.uk) for context; every row is kept."""
    from etl.police_uk import load_police_uk

    try:
        files = load_police_uk(folder, _db(db), get_settings())
    except LoadError as exc:
        err.print(f"[bold red]load failed, warehouse unchanged:[/] {_said(exc)}")
        raise typer.Exit(2) from exc
    _emit(pd.DataFrame([vars(f) for f in files]), Format.csv, "")


@app.command("refresh")
def refresh_cmd(
    sources: Annotated[
        list[str],
        typer.Argument(help="Sources as for load; police-uk:DIR for published crime"),
    ],
    every: Annotated[str, typer.Option("--every", help="e.g. 20m, 1h, 30s")] = "20m",
    db: DbOption = None,
    mapping: Annotated[Path | None, typer.Option("--mapping")] = None,
    cycles: Annotated[
        int | None, typer.Option("--cycles", help="stop after this many rounds [default: never]")
    ] = None,
) -> None:
    """Load the sources in turn, again and again, never two refreshes at once."""
    from etl.refresh import RefreshRunning, parse_interval, refresh

    try:
        interval = parse_interval(every)
        if cycles is not None and cycles < 1:  # 0 or fewer loaded nothing and said nothing
            raise ValueError(f"--cycles must be at least 1, not {cycles}")
    except ValueError as exc:
        err.print(f"[red]{_said(exc)}[/]")
        raise typer.Exit(2) from exc
    try:
        refresh(sources, _db(db), get_settings(), interval, cycles, mapping, say=_say)
    except RefreshRunning as exc:
        err.print(f"[bold red]{_said(exc)}[/]; not starting a second one")
        raise typer.Exit(3) from exc


def _as_of_query(db: Path | None, as_of: datetime | None, query) -> tuple[date, pd.DataFrame]:
    """Open the warehouse read-only and run ``query(con, day)`` for the day asked, or the last
    day the extracts cover; exit 1 when it holds nothing yet."""
    from etl.flags import latest_date

    con = _open(db)
    try:
        day: date | None = as_of.date() if as_of else latest_date(con)
        if day is None:
            err.print("The warehouse holds no investigations yet.")
            raise typer.Exit(1)
        return day, query(con, day)
    finally:
        con.close()


@app.command("flags")
def flags_cmd(
    db: DbOption = None,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Day to replay [default: latest]"),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.csv,
    area: Annotated[list[str] | None, typer.Option("--area", help="Only these areas")] = None,
) -> None:
    """List supervision flags for the investigations open on one day."""
    from etl.flags import flags

    day, df = _as_of_query(db, as_of, lambda con, day: flags(con, get_settings(), day, area))
    err.print(f"as of {day:%d/%m/%Y}: {len(df)} flag row(s)")
    _emit(df, fmt, f"flags as of {day:%d/%m/%Y}")


@app.command("entries")
def entries_cmd(
    db: DbOption = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Entries up to this day [default: latest]"
        ),
    ] = None,
    investigation: Annotated[
        str | None, typer.Option("--investigation", help="Only this investigation")
    ] = None,
    area: Annotated[list[str] | None, typer.Option("--area", help="Only these areas")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.csv,
) -> None:
    """List every entry with its grade against the reviewing-officer checklist."""
    from etl.flags import ENTRY_COLUMNS, entries

    day, df = _as_of_query(
        db,
        as_of,
        lambda con, day: entries(con, get_settings(), day, area, investigation_id=investigation),
    )
    df["repeated"] = df["repeated"].fillna(False)
    err.print(f"as of {day:%d/%m/%Y}: {len(df)} entr{'y' if len(df) == 1 else 'ies'}")
    _emit(df[list(ENTRY_COLUMNS)], fmt, f"entries as of {day:%d/%m/%Y}")


@app.command("rejects")
def rejects_cmd(
    db: DbOption = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.csv,
) -> None:
    """List quarantined rows: source, line, record_id, reason, detail, load_id and the later
    load that resolved the row (empty while it is open)."""
    con = _open(db)
    try:
        df = con.execute(
            "SELECT source, line, record_id, reason, detail, load_id, resolved_load_id "
            "FROM quarantine ORDER BY source, line"
        ).df()
    except duckdb.CatalogException as exc:
        where = escape(str(_db(db)))
        err.print(f"[bold red]{where} holds no quarantine: not a warehouse a load built[/]")
        raise typer.Exit(2) from exc
    finally:
        con.close()
    _emit(df, fmt, "quarantine")


class Scale(StrEnum):
    small = "small"
    force = "force"
    decade = "decade"  # ten years at force volume: `make bench-decade`


@app.command("sample")
def sample_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write extracts into")],
    scale: Annotated[Scale, typer.Option("--scale")] = Scale.small,
    seed: Annotated[int, typer.Option("--seed")] = 2018,
) -> None:
    """Write synthetic extracts (a base extract, and a next-day delta in DIR/delta)."""
    from etl.sample import write_sample

    if out_dir.exists() and not out_dir.is_dir():
        err.print(f"[bold red]--out {escape(str(out_dir))} is a file, not a folder[/]")
        raise typer.Exit(2)
    counts = write_sample(out_dir, scale.value, seed)
    for name, n in counts.items():
        err.print(f"{name}: {n:,} rows")
