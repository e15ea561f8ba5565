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
from collections.abc import Iterable, Mapping
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
    """Text a workbook cell can hold: control characters Excel refuses (a bell in a note would
    otherwise fail the whole export) dropped, and cut at Excel's 32,767 characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_MAX_CHARS:
        marker = " [cut: Excel holds 32,767 characters a cell; the CSV export has it all]"
        text = text[: EXCEL_MAX_CHARS - len(marker)] + marker
    return text


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame], headerless: Iterable[str] = ()) -> bytes:
    """A workbook with one sheet per frame (sheets named in ``headerless`` get no header row).

    Text cells are neutralised and stored as strings (data type ``s``), never as formulas;
    characters and lengths Excel cannot hold are dealt with (``_excel_text``).
    """
    from openpyxl import Workbook

    no_header = set(headerless)
    book = Workbook()
    book.remove(book.active)
    for name, df in sheets.items():
        sheet = book.create_sheet(title=str(name)[:31])
        rows: list[list[object]] = []
        if name not in no_header:
            rows.append([str(c) for c in df.columns])
        rows.extend(list(r) for r in df.itertuples(index=False, name=None))
        for r, row in enumerate(rows, start=1):
            for c, raw in enumerate(row, start=1):
                value = _cell_value(raw)
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, str):
                    cell.value = _excel_text(neutralise(value))
                    cell.data_type = "s"  # openpyxl would otherwise guess 'f' for '=...'
                else:
                    cell.value = value
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
