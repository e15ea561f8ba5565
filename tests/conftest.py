from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from etl.load import LoadResult, load
from etl.settings import Settings
from etl.testing import write_extracts


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def load_rows(tmp_path: Path, db: Path, settings: Settings) -> Callable[..., LoadResult]:
    """Write extracts from row dicts and load them with the real loader into ``db``."""
    counter = itertools.count(1)

    def _load(**rows) -> LoadResult:
        folder = write_extracts(tmp_path / f"extract{next(counter)}", **rows)
        return load(folder, db, settings)

    return _load


@pytest.fixture
def query(db: Path) -> Callable[[str], list[tuple]]:
    def _query(sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return _query
