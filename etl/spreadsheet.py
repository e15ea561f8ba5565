"""Every CSV and Excel file the product writes for people goes through here, so no cell can
carry a formula (OWASP's CSV-injection guidance).

A spreadsheet reads a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK(...)``, ``=cmd|...``). Such a cell gets a leading ``'``, which
the spreadsheet shows as text. Numbers, dates and empty cells stay as they are; in a workbook
every text cell is written as a string, never a formula, whatever it begins with.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

import numpy as np
import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADING_SWAP = {",": ";", '"': "'", "\r": " ", "\n": " "}
_HEADING_UNSAFE = re.compile('[,"\r\n]')
EXCEL_MAX_CHARS = 32_767


def neutralise(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) are neutralised; numbers,
    booleans and dates untouched."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(neutralise).astype(object)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, fh: TextIO, heading: Iterable[str] = (), **to_csv_options) -> None:
    """``df`` as CSV into ``fh``, after ``# heading`` lines.

    A heading line stays one cell beginning with ``#`` (so ``comment="#"`` readers skip it):
    the commas, quotes and line breaks that could split it into cells of their own, one of
    which might begin like a formula, are replaced.
    """
    for line in heading:
        fh.write("# " + _HEADING_UNSAFE.sub(lambda m: _HEADING_SWAP[m.group()], line) + "\n")
    safe_frame(df).to_csv(fh, index=False, lineterminator="\n", **to_csv_options)


def _cell_value(value: object) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if value is pd.NA:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, int | float | bool | dt.date | dt.time | dt.timedelta | str):
        return value
    return str(value)  # lists, dicts, decimals: as text


def _excel_text(text: str) -> str:
    """Text a workbook cell can hold, neutralised: control characters Excel refuses (a bell in
    a note would otherwise fail the whole export) dropped first, so one cannot hide a formula
    from ``neutralise`` (``"\x01=HYPERLINK(...)"``), and cut at Excel's 32,767 characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))
    if len(text) > EXCEL_MAX_CHARS:
        marker = " [cut: Excel holds 32,767 characters a cell; the CSV export has it all]"
        text = text[: EXCEL_MAX_CHARS - len(marker)] + marker
    return text


DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
PERCENT_FORMAT = "0.0%"
MAX_WIDTH = 60


def xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame],
    headerless: Iterable[str] = (),
    formats: Mapping[str, Mapping[str, str]] | None = None,
    row_formats: Mapping[str, Sequence[str | None]] | None = None,
) -> bytes:
    """A workbook with one sheet per frame (sheets named in ``headerless`` get no header row),
    made for analysis: numbers stay numbers, dates are Excel dates shown DD/MM/YYYY (with the
    time when there is one), the header row is bold and frozen, and columns are as wide as
    their contents (up to MAX_WIDTH characters).

    ``formats[sheet][column]``: an Excel number format for that column's numbers (e.g.
    PERCENT_FORMAT for shares held as fractions); ``row_formats[sheet][i]``: one for the
    numbers of data row ``i`` (a table of measures of different kinds, one per row).
    Text cells are neutralised and stored as strings (data type ``s``), never as formulas;
    characters and lengths Excel cannot hold are dealt with (``_excel_text``).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    no_header = set(headerless)
    book = Workbook()
    book.remove(book.active)
    for name, df in sheets.items():
        sheet = book.create_sheet(title=str(name)[:31])
        column_formats = [(formats or {}).get(name, {}).get(str(c)) for c in df.columns]
        per_row = list((row_formats or {}).get(name, ()))
        widths = [0] * len(df.columns)
        first = 1
        if name not in no_header:
            for c, header in enumerate(df.columns, start=1):
                cell = sheet.cell(row=1, column=c, value=_excel_text(str(header)))
                cell.data_type = "s"
                cell.font = Font(bold=True)
                widths[c - 1] = len(str(header))
            sheet.freeze_panes = "A2"
            first = 2
        for i, row in enumerate(df.itertuples(index=False, name=None)):
            for c, raw in enumerate(row, start=1):
                value = _cell_value(raw)
                if value is None:
                    continue
                cell = sheet.cell(row=first + i, column=c)
                if isinstance(value, str):
                    cell.value = _excel_text(value)
                    cell.data_type = "s"  # openpyxl would otherwise guess 'f' for '=...'
                    shown = len(cell.value)
                else:
                    cell.value = value
                    cell.number_format = _number_format(
                        value, column_formats[c - 1], per_row[i] if i < len(per_row) else None
                    )
                    shown = 16 if isinstance(value, dt.datetime) else 12
                widths[c - 1] = max(widths[c - 1], min(shown, MAX_WIDTH))
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = max(width, 6) + 2
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _number_format(value: object, column: str | None, row: str | None) -> str:
    if isinstance(value, dt.datetime):
        midnight = value.hour == value.minute == value.second == 0
        return DATE_FORMAT if midnight else DATETIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    if isinstance(value, bool):
        return "General"
    return column or row or "General"
