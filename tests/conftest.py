from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from etl.load import LoadResult, load
from etl.settings import Settings
from etl.testing import write_extracts

# Never the developer's own application database (data/app.sqlite after `make run`): a test
# that wants one makes it (the app_db_url fixture, or dash_app's). This one is never created.
os.environ.setdefault(
    "PVP_APP_DB_URL", f"sqlite:///{Path('/tmp') / f'pvp-tests-none-{os.getpid()}' / 'app.sqlite'}"
)


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


def read(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of ``sql`` from the warehouse file ``db``, opened read-only for the one query."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def query(db: Path) -> Callable[[str], list[tuple]]:
    return lambda sql, params=None: read(db, sql, params)


# --- the dashboard, on the fixture warehouse (etl/testing.py FIXTURE) -------------------------

PASSWORD = "correct horse battery staple"
TEST_USERS = {
    "force": ("force", []),
    "admin": ("admin", []),
    "west": ("area", ["West"]),
    "east": ("area", ["East"]),
    "nobody": ("area", []),
    "locked": ("force", []),  # for the rate-limit test only
    # case audits (dashboard/audits)
    "ppu": ("ppu", []),
    "west-auditor": ("auditor", ["West"]),
    "west-auditor-2": ("auditor", ["West"]),
    "east-auditor": ("auditor", ["East"]),
    "west-moderator": ("moderator", ["West"]),
    "east-moderator": ("moderator", ["East"]),
}
TRUSTED_PROXY = "10.1.2.3"


@pytest.fixture(scope="session")
def dash_app(tmp_path_factory):
    """The real app (app.py) over a warehouse built by the real loader from FIXTURE."""
    import importlib

    from dashboard.users import UserStore
    from etl.settings import get_settings
    from etl.testing import build_fixture_warehouse

    root = tmp_path_factory.mktemp("app")
    build_fixture_warehouse(root / "extract", root / "w.duckdb")
    from etl.police_uk import load_police_uk
    from etl.settings import Settings
    from etl.testing import POLICE_UK_SAMPLE

    load_police_uk(POLICE_UK_SAMPLE, root / "w.duckdb", Settings())
    mp = pytest.MonkeyPatch()
    for name, value in {
        "PVP_DB_PATH": str(root / "w.duckdb"),
        "PVP_USERS_FILE": str(root / "users.json"),
        "PVP_AUDIT_PATH": str(root / "audit.sqlite"),
        "PVP_SECRET_KEY_FILE": str(root / "secret_key"),
        "PVP_APP_DB_URL": f"sqlite:///{root / 'app.sqlite'}",
        "PVP_PACK_CACHE_DIR": str(root / "pack-cache"),
        "PVP_TRUSTED_PROXIES": f'["{TRUSTED_PROXY}"]',
        "PVP_STALE_DATA_HOURS": "100000",
    }.items():
        mp.setenv(name, value)
    get_settings.cache_clear()
    from dashboard.appdb import upgrade

    upgrade(f"sqlite:///{root / 'app.sqlite'}")
    store = UserStore(root / "users.json")
    for username, (role, areas) in TEST_USERS.items():
        store.add(username, role, areas, PASSWORD)
    store.add("sso-west", "area", ["West"], None)
    module = importlib.import_module("app")
    yield module.app
    mp.undo()
    get_settings.cache_clear()


def free_port_below_the_ephemeral_range() -> int:
    """A free port under Linux's ephemeral range (32768-60999). dash_duo's own ports (58050
    on) are in it, where the local end of any outgoing connection (the benchmark smoke tests'
    users on the other test worker, Chromium) can hold one: a browser test once failed to
    start because three in a row were taken."""
    import random
    import socket

    for port in random.sample(range(20000, 32000), 100):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port under 32000")


@pytest.fixture
def duo(dash_duo, dash_app):
    """The session's app served to a real headless Chromium (dash[testing]'s dash_duo). Not
    navigate=True: the first page is the sign-in form, not a Dash page."""
    dash_duo.start_server(dash_app, navigate=False, port=free_port_below_the_ephemeral_range())
    dash_duo._url = dash_duo.server.url
    return dash_duo


def use_warehouse(monkeypatch, db: Path) -> None:
    """Point the dashboard at the warehouse ``db`` for one test: the running settings with
    its ``db_path`` (the dashboard reads no environment behind the settings' back)."""
    from dashboard import data

    moved = data.settings().model_copy(update={"db_path": Path(db)})
    monkeypatch.setattr(data, "settings", lambda: moved)


def sign_in(client, username: str, password: str = PASSWORD):
    import re

    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf": csrf, "next": "/"}
    )


@pytest.fixture
def client_for(dash_app):
    """A signed-in Flask test client for one of TEST_USERS."""

    def _client(username: str):
        client = dash_app.server.test_client()
        if username:
            response = sign_in(client, username)
            assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _client


def call(app, client, key: str, values: dict, changed: str | None = None):
    """POST a callback exactly as the browser would; returns (status, response JSON)."""
    cb = app.callback_map[key]
    outputs = cb["output"]
    if isinstance(outputs, list):
        out = [{"id": o.component_id, "property": o.component_property} for o in outputs]
    else:
        out = {"id": outputs.component_id, "property": outputs.component_property}

    def fill(items):
        return [
            {
                "id": i["id"],
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in items
        ]

    inputs = fill(cb["inputs"])
    body = {
        "output": key,
        "outputs": out,
        "inputs": inputs,
        "state": fill(cb["state"]),
        "changedPropIds": [changed or f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    response = client.post("/_dash-update-component", json=body)
    return response.status_code, (response.get_json(silent=True) or {})


def pytest_collection_modifyitems(items):
    """Mark what needs Chromium or PostgreSQL by the fixtures it uses, so `make test-fast`
    (-m "not browser and not postgres") needs neither and no test has to remember a marker."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "dash_duo" in fixtures:
            item.add_marker(pytest.mark.browser)
            # One Chromium at a time on a 2-core machine: with two test workers (make test
            # runs pytest -n 2), every browser test runs on the same one.
            item.add_marker(pytest.mark.xdist_group("browser"))
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("app_db_url") == "postgresql"
        if "postgres" in fixtures or on_postgres:
            item.add_marker(pytest.mark.postgres)


# Browser tests: dash[testing]'s dash_duo with Debian's chromium and chromium-driver.
os.environ.setdefault("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")


def pytest_setup_options():
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--window-size=1400,1000",
    ):  # fmt: skip
        options.add_argument(flag)
    return options


# --- a real, throw-away PostgreSQL server for the database-source tests -----------------------


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """Start PostgreSQL from Debian's package in a temporary directory; yields a URL without
    a password (trust authentication on 127.0.0.1)."""
    import glob
    import shutil
    import socket
    import subprocess

    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        pytest.skip("PostgreSQL is not installed here (make test installs it: apt postgresql)")
    pgbin = bins[-1]
    import tempfile

    # Not under pytest's own temp folder: the postgres user cannot enter root's.
    root = Path(tempfile.mkdtemp(prefix="pvp-pg-"))
    data = root / "data"
    data.mkdir()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
    data.chmod(0o700)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True, timeout=60)

    run(f"{pgbin}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--no-sync")  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off"
    run(f"{pgbin}/pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "30",
        "-o", options, "start")  # fmt: skip
    run(f"{pgbin}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "source")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/source"
    finally:
        run(f"{pgbin}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


# --- the application database, on SQLite and on the throw-away PostgreSQL ---------------------

_app_db_counter = itertools.count(1)


@pytest.fixture
def appdb(app_db_url):
    """An application database at the migrations' head, on each engine (``app_db_url``)."""
    from dashboard.appdb import AppDB, upgrade

    upgrade(app_db_url)
    db = AppDB(app_db_url)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def app_db_url(request, tmp_path: Path) -> str:
    """An empty application database URL: a fresh SQLite file, or a fresh database on the
    throw-away PostgreSQL server. Tests using it run once on each."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite'}"
    import psycopg

    server = request.getfixturevalue("postgres")
    name = f"app_{os.getpid()}_{next(_app_db_counter)}"
    admin = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + f"/{name}"
