"""The mock-affise command: serve (as a real subprocess), validate, and the Dockerfile's CMD."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from mock_affise import cli
from mock_affise.models import Manager, Tenant

from .conftest import DEFAULT_ADMIN_KEY, DEFAULT_FIXTURE, ROOT
from .serving import (
    clean_environment,
    free_port,
    http_get,
    mock_affise_command,
)

DOCKERFILE = ROOT / "Dockerfile"


def run_command(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run([*mock_affise_command(), *args], capture_output=True, text=True,
                          timeout=60, env=env if env is not None else clean_environment(),
                          cwd=cwd)


def tenants_and_admin_keys(database_file: Path) -> tuple[int, list[str]]:
    engine = create_engine(f"sqlite:///{database_file}")
    try:
        with engine.connect() as connection:
            tenants = connection.execute(select(func.count()).select_from(Tenant)).scalar_one()
            keys = connection.execute(
                select(Manager.api_key).where(Manager.role == "admin")).scalars().all()
            return tenants, list(keys)
    finally:
        engine.dispose()


def serves_admin_currency() -> bool:
    """Tell whether this build of the mock has GET /3.0/admin/currency."""
    from mock_affise import create_app

    app = create_app({"DATABASE_URL": "sqlite://"})
    try:
        return any(rule.rule == "/3.0/admin/currency" for rule in app.url_map.iter_rules())
    finally:
        app.extensions["mock_affise"].db.dispose()


def keyless_fixture(path: Path) -> Path:
    """Write a fixture whose admin key the server must invent (so a reseed would show)."""
    path.write_text(json.dumps({"currencies": [{"id": 2, "code": "USD", "default": True}]}))
    return path


def served_once_from_a_keyless_fixture(start, tmp_path: Path) -> tuple[Path, str, str]:
    """Serve a new database seeded from a keyless fixture, stop; return file, URL, admin key."""
    database = tmp_path / "mock.db"
    url = f"sqlite:///{database}"
    port = free_port()
    first = start("--port", str(port), "--database", url,
                  "--fixtures", str(keyless_fixture(tmp_path / "keyless.json")), port=port)
    invented_key = first.admin_key
    assert first.stop() == 0
    return database, url, invented_key


# ----------------------------------------------------------------------------- serve


@pytest.mark.serve
def test_serve_prints_its_url_and_an_admin_key_that_works(start, tmp_path):
    port = free_port()
    database = tmp_path / "mock.db"

    server = start("--port", str(port), "--database", f"sqlite:///{database}", port=port)

    assert server.url == f"http://127.0.0.1:{port}"
    assert server.admin_key == DEFAULT_ADMIN_KEY  # fixtures/default.json's admin manager
    assert server.banner("dashboard") == f"http://127.0.0.1:{port}/_mock/ui/"
    with urllib.request.urlopen(server.banner("dashboard"), timeout=5) as page:
        assert b"<h1>Tenants</h1>" in page.read()
    assert f"seeded tenant 1 from {DEFAULT_FIXTURE.resolve()}" in server.banner("database")
    assert http_get(f"{server.url}/_mock/health") == (200, {"status": 1, "ready": True})
    if serves_admin_currency():
        status, body = http_get(f"{server.url}/3.0/admin/currency", key=server.admin_key)
        assert (status, body["status"]) == (200, 1)
        assert "USD" in body["quotes"]
        assert http_get(f"{server.url}/3.0/admin/currency")[0] == 401
    assert server.stop() == 0


@pytest.mark.serve
def test_restart_on_the_same_file_reuses_the_data(start, tmp_path):
    database, url, invented_key = served_once_from_a_keyless_fixture(start, tmp_path)

    port = free_port()
    second = start("--port", str(port), "--database", url, "--fixtures", str(DEFAULT_FIXTURE),
                   port=port)

    assert second.admin_key == invented_key != DEFAULT_ADMIN_KEY
    assert second.banner("database") == (
        f"{url} (reused: 1 tenant already there, {DEFAULT_FIXTURE} not loaded)")
    assert tenants_and_admin_keys(database) == (1, [invented_key])


@pytest.mark.serve
def test_two_workers_share_one_seeded_file_database(start, tmp_path):
    database = tmp_path / "mock.db"
    port = free_port()

    server = start("--port", str(port), "--database", f"sqlite:///{database}", "--workers", "2",
                   port=port)

    for _ in range(20):  # enough requests to reach both workers
        assert http_get(f"{server.url}/_mock/health")[0] == 200
    assert len(re.findall(r"Booting worker", server.stderr)) == 2
    assert tenants_and_admin_keys(database) == (1, [DEFAULT_ADMIN_KEY])


@pytest.mark.serve
def test_every_serve_option_is_read_from_the_environment(start, tmp_path):
    database = tmp_path / "from-env.db"
    port = free_port()
    env = clean_environment(
        MOCK_AFFISE_HOST="127.0.0.1", MOCK_AFFISE_PORT=str(port),
        MOCK_AFFISE_DATABASE_URL=f"sqlite:///{database}",
        MOCK_AFFISE_FIXTURES=str(keyless_fixture(tmp_path / "keyless.json")),
        MOCK_AFFISE_WORKERS="2")

    server = start(env=env, port=port)

    assert server.url == f"http://127.0.0.1:{port}"
    # Healthy means one worker answers; the second may still be booting.
    deadline = time.monotonic() + 10
    while len(re.findall(r"Booting worker", server.stderr)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(re.findall(r"Booting worker", server.stderr)) == 2
    tenants, keys = tenants_and_admin_keys(database)
    assert (tenants, keys) == (1, [server.admin_key])
    assert server.admin_key != DEFAULT_ADMIN_KEY  # seeded from the keyless fixture, not the default


@pytest.mark.serve
def test_a_flag_wins_over_its_environment_variable(start, tmp_path):
    port = free_port()
    env = clean_environment(MOCK_AFFISE_PORT="not-a-port", MOCK_AFFISE_WORKERS="2",
                            MOCK_AFFISE_DATABASE_URL="sqlite://",  # refused with 2 workers
                            MOCK_AFFISE_FIXTURES=str(tmp_path / "missing.json"))

    server = start("--port", str(port), "--database", f"sqlite:///{tmp_path / 'flag.db'}",
                   "--workers", "1", "--fixtures", str(DEFAULT_FIXTURE), env=env, port=port)

    assert server.admin_key == DEFAULT_ADMIN_KEY
    assert (tmp_path / "flag.db").exists()


@pytest.mark.serve
def test_an_empty_environment_variable_counts_as_unset(start, tmp_path):
    port = free_port()
    env = clean_environment(MOCK_AFFISE_HOST="", MOCK_AFFISE_WORKERS="",
                            MOCK_AFFISE_DATABASE_URL="", MOCK_AFFISE_FIXTURES="",
                            MOCK_AFFISE_SEED="")

    server = start("--port", str(port), env=env, port=port)

    assert server.url == f"http://127.0.0.1:{port}"
    assert server.banner("database").startswith("sqlite:///mock-affise.db (seeded tenant 1")
    assert tenants_and_admin_keys(tmp_path / "mock-affise.db") == (1, [DEFAULT_ADMIN_KEY])


@pytest.mark.serve
def test_serve_fresh_starts_again_from_the_fixture(start, tmp_path):
    database, url, invented_key = served_once_from_a_keyless_fixture(start, tmp_path)
    assert invented_key != DEFAULT_ADMIN_KEY
    stale = tmp_path / "mock.db-mock-stale"  # a side file a crashed server could leave
    stale.write_text("")

    port = free_port()
    second = start("--port", str(port), "--database", url, "--fresh", port=port)

    assert second.admin_key == DEFAULT_ADMIN_KEY
    assert second.banner("database").startswith(f"{url} (seeded tenant 1 from")
    assert tenants_and_admin_keys(database) == (1, [DEFAULT_ADMIN_KEY])
    assert not stale.exists()


@pytest.mark.serve
def test_serve_defaults_to_a_database_file_in_the_working_directory(start, tmp_path):
    port = free_port()

    server = start("--port", str(port), port=port)

    assert server.banner("database").startswith("sqlite:///mock-affise.db (seeded tenant 1")
    assert tenants_and_admin_keys(tmp_path / "mock-affise.db") == (1, [DEFAULT_ADMIN_KEY])


@pytest.mark.serve
def test_an_in_memory_database_serves_one_worker(start):
    port = free_port()

    server = start("--port", str(port), "--database", "sqlite://", port=port)

    assert server.admin_key == DEFAULT_ADMIN_KEY
    assert server.banner("database").startswith("sqlite:// (in memory, seeded from")
    if serves_admin_currency():  # the worker holds the tenant seeded before the fork
        assert http_get(f"{server.url}/3.0/admin/currency", key=DEFAULT_ADMIN_KEY)[0] == 200


@pytest.mark.serve
def test_port_0_listens_on_a_free_port_and_prints_it(start, tmp_path):
    server = start("--port", "0", "--database", f"sqlite:///{tmp_path / 'mock.db'}")

    port = int(server.url.rsplit(":", 1)[1])
    assert port > 0
    assert http_get(f"http://127.0.0.1:{port}/_mock/health")[0] == 200


@pytest.mark.serve
@pytest.mark.parametrize(("args", "env"), [
    (["--database", "sqlite://", "--workers", "2"], {}),
    (["--database", "sqlite:///:memory:"], {"MOCK_AFFISE_WORKERS": "3"}),
    ([], {"MOCK_AFFISE_DATABASE_URL": "sqlite://", "MOCK_AFFISE_WORKERS": "2"}),
])
def test_an_in_memory_database_with_several_workers_is_refused(args, env, tmp_path):
    result = run_command("serve", "--port", str(free_port()), *args,
                         env=clean_environment(**env), cwd=tmp_path)

    assert result.returncode == 2
    assert "lives inside one process" in result.stderr
    assert re.search(r"an in-memory database \(sqlite://(/:memory:)?\)", result.stderr)
    assert result.stdout == ""
    assert not list(tmp_path.iterdir())  # no database file made either


@pytest.mark.serve
def test_serve_with_a_bad_fixture_prints_every_problem_and_seeds_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"now": "soon", "conversions": [{"id": "x"}]}))

    result = run_command("serve", "--port", str(free_port()), "--fixtures", str(bad),
                         cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bad}: now: must be a timestamp in YYYY-MM-DD HH:MM:SS format, got 'soon'",
        f"{bad}: conversions[0].id: must be 24 lowercase hex characters, got 'x'",
        f"{bad}: conversions[0].affiliate_id: is required",
        f"{bad}: conversions[0].offer_id: is required",
        f"{bad}: conversions[0].status: is required",
        f"{bad}: conversions[0].payouts: is required",
        f"{bad}: conversions[0].currency: is required",
        f"{bad}: conversions[0].created_at: is required",
        f"mock-affise: not serving: {bad} is not a valid fixture",
    ]
    assert not (tmp_path / "mock-affise.db").exists()


@pytest.fixture
def no_server(monkeypatch):
    """Make an in-process serve fail instead of blocking the test run on a real server."""
    def refuse(*args, **kwargs):
        raise AssertionError("serve was expected to stop before starting gunicorn")

    monkeypatch.setattr("mock_affise.serving.serve", refuse)
    # These calls keep the default port: whether something else listens on it is not theirs.
    monkeypatch.setattr("mock_affise.serving.listen_error", lambda host, port: None)


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--port", "70000"], {}, "--port: must be a port number from 0 to 65535, got '70000'"),
    ([], {"MOCK_AFFISE_PORT": "http"},
     "MOCK_AFFISE_PORT: must be a port number from 0 to 65535, got 'http'"),
    (["--workers", "0"], {}, "--workers: must be a number of workers of at least 1, got '0'"),
    (["--database", "nonsense"], {}, "--database: not a database URL: 'nonsense'"),
    ([], {"MOCK_AFFISE_STRICT": "maybe"},
     "MOCK_AFFISE_STRICT: expected a boolean (1/0, true/false), got 'maybe'"),
    ([], {"MOCK_AFFISE_CONTROL_TOKEN": ""},
     "MOCK_AFFISE_CONTROL_TOKEN: is set but empty, which would leave /_mock open to anyone; "
     "give a token, or unset it for an open control plane"),
    (["--fresh", "--database", "postgresql+psycopg://mock:secret@db/mock"], {},
     "--fresh removes an SQLite database file; postgresql+psycopg://mock:***@db/mock is not "
     "one (empty a server database with its own tools)"),
])
def test_a_bad_option_is_refused_naming_where_it_came_from(args, env, message, monkeypatch,
                                                          capsys, no_server):
    for name in [name for name in os.environ if name.startswith("MOCK_AFFISE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert cli.main(["serve", *args]) == 2
    assert capsys.readouterr().err == f"mock-affise: {message}\n"


def test_an_unusable_database_is_reported_without_a_traceback(tmp_path, capsys, no_server):
    url = f"sqlite:///{tmp_path / 'no-such-dir' / 'mock.db'}"

    assert cli.main(["serve", "--database", url]) == 1
    assert capsys.readouterr().err == f"mock-affise: cannot use {url}: unable to open database file\n"


def test_a_database_from_an_earlier_version_is_refused_by_name(tmp_path, capsys, no_server):
    database = tmp_path / "old.db"
    with sqlite3.connect(database) as old:  # the tenants table before data_version
        old.execute("CREATE TABLE tenants (id INTEGER PRIMARY KEY, clock_frozen BOOLEAN,"
                    " clock_base DATETIME, clock_anchor DATETIME, settings JSON,"
                    " next_payment_id INTEGER, next_correction_id INTEGER,"
                    " next_affiliate_id INTEGER, next_binding_id INTEGER)")
    url = f"sqlite:///{database}"

    assert cli.main(["serve", "--database", url]) == 1
    assert capsys.readouterr().err == (
        f"mock-affise: cannot use {url}: table tenants has no column data_version: the database"
        " was made by an earlier mock-affise; remove it, or point DATABASE_URL at a new one\n")


# ----------------------------------------------------------------------------- validate


def test_validate_accepts_a_good_fixture(capsys):
    assert cli.main(["validate", str(DEFAULT_FIXTURE)]) == 0
    assert capsys.readouterr().out == f"{DEFAULT_FIXTURE}: ok\n"


def test_validate_prints_every_problem_of_every_file(tmp_path, capsys, default_document):
    bad = tmp_path / "bad.yaml"
    default_document["conversions"][3]["currency"] = "CHF"
    default_document["corrections"][0]["revenue"] = "0"
    bad.write_text(json.dumps(default_document))
    not_an_object = tmp_path / "list.json"
    not_an_object.write_text("[]")
    missing = tmp_path / "missing.json"

    status = cli.main(["validate", str(DEFAULT_FIXTURE), str(bad), str(not_an_object),
                       str(missing)])

    assert status == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{DEFAULT_FIXTURE}: ok",
        f"{bad}: conversions[3].currency: unknown currency code 'CHF'",
        f"{bad}: corrections[0].revenue: must not be zero",
        f"{not_an_object}: the document must be an object of sections",
        f"{missing}: cannot read (No such file or directory)",
    ]


@pytest.mark.serve
def test_the_validate_command_exits_1_on_a_bad_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"now": "later"}')

    good = run_command("validate", str(DEFAULT_FIXTURE))
    failed = run_command("validate", str(bad))

    assert (good.returncode, good.stdout) == (0, f"{DEFAULT_FIXTURE}: ok\n")
    assert (failed.returncode, failed.stdout) == (
        1, f"{bad}: now: must be a timestamp in YYYY-MM-DD HH:MM:SS format, got 'later'\n")


# ----------------------------------------------------------------------------- Makefile


def make(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> list[str]:
    """Return the commands `make -n ARGS` would run (nothing runs)."""
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    result = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=cwd,
                            capture_output=True, text=True, timeout=60,
                            env=env if env is not None else clean_environment())
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_make_run_passes_no_flag_so_the_environment_decides():
    served = make("run", env=clean_environment(MOCK_AFFISE_PORT="9000", PORT="3000"))[-1]

    assert served.split() == [".venv/bin/mock-affise", "serve"]


def test_make_run_port_and_host_on_the_command_line_become_settings():
    served = make("run", "PORT=9000", "HOST=0.0.0.0")[-1]

    assert served.split() == ["MOCK_AFFISE_PORT=9000", "MOCK_AFFISE_HOST=0.0.0.0",
                              ".venv/bin/mock-affise", "serve"]


def test_make_reset_deletes_the_database_and_its_side_files_only(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    made = ["mock-affise.db", "mock-affise.db-wal", "mock-affise.db-shm",
            "mock-affise.db-mock-journal", "mock-affise.db-mock-lock",
            "mock-affise.db-mock-changes"]
    kept = ["other.db", "Makefile", "mock-affise.json"]
    for name in made + kept[:1] + kept[2:]:
        (tmp_path / name).write_text("")

    result = subprocess.run(["make", "--no-print-directory", "reset"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


# ----------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    """Return the Dockerfile's (INSTRUCTION, arguments), continuation lines joined."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        name, _, rest = text.partition(" ")
        instructions.append((name.upper(), rest.strip()))
    return instructions


def instruction(name: str) -> str:
    found = [rest for kind, rest in dockerfile_instructions() if kind == name]
    assert found, f"the Dockerfile has no {name}"
    return found[-1]


def test_the_dockerfile_installs_dependencies_before_copying_the_source():
    kinds = [(kind, rest) for kind, rest in dockerfile_instructions()]
    assert kinds[0] == ("FROM", "python:3.11-slim")
    steps = [f"{kind} {rest}" for kind, rest in kinds]
    copy_project = next(i for i, s in enumerate(steps) if s.startswith("COPY pyproject.toml"))
    install_deps = next(i for i, s in enumerate(steps) if s.startswith("RUN") and "pip install" in s)
    copy_source = next(i for i, s in enumerate(steps) if s.startswith("COPY mock_affise"))
    assert copy_project < install_deps < copy_source
    for kind, rest in kinds:
        if kind == "COPY":
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), source
    assert instruction("USER") not in ("root", "0")
    assert instruction("EXPOSE") == "8080"
    assert "curl" not in instruction("HEALTHCHECK")


def container_command() -> list[str]:
    """The Dockerfile's CMD, as it would run outside the image."""
    argv = json.loads(instruction("CMD"))
    assert argv[0] == "mock-affise"
    return mock_affise_command(*argv[1:])


def container_environment(data: Path, **run_env: str) -> dict[str, str]:
    """The image's ENV (its volume at data), then what `docker run -e` adds, as serve sees it."""
    volume = json.loads(instruction("VOLUME")) if instruction("VOLUME").startswith("[") \
        else instruction("VOLUME").split()
    image_env = {}
    for kind, rest in dockerfile_instructions():
        if kind == "ENV":
            image_env.update(pair.split("=", 1) for pair in shlex.split(rest))
    image_env = {k: v.replace(volume[0], str(data)) for k, v in image_env.items()}
    return clean_environment(**{**image_env, **run_env})


def healthcheck_command(env: dict[str, str]) -> list[str]:
    """The HEALTHCHECK's shell command, run by a shell in env (python: this interpreter)."""
    text = instruction("HEALTHCHECK")
    script = text[text.index("CMD") + len("CMD"):].strip()
    assert not script.startswith("["), "the exec form cannot read MOCK_AFFISE_PORT"
    assert script.startswith("python ")
    script = shlex.quote(sys.executable) + script[len("python"):]
    return ["sh", "-c", script]


@pytest.mark.serve
def test_the_dockerfile_command_serves_with_the_default_fixture_on_the_volume(start, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    command = container_command()
    # No flag: every setting comes from the image's ENV, which `docker run -e` replaces.
    assert not [arg for arg in command if arg.startswith("-")]
    env = container_environment(data, MOCK_AFFISE_PORT=str(port))  # docker run -e ...PORT

    server = start(argv=command, env=env, port=port)

    assert server.url == f"http://0.0.0.0:{port}"
    assert server.admin_key == DEFAULT_ADMIN_KEY
    assert tenants_and_admin_keys(data / "mock-affise.db") == (1, [DEFAULT_ADMIN_KEY])
    # The health check follows the port the container was given.
    healthy = subprocess.run(healthcheck_command(env), capture_output=True, timeout=30, env=env)
    assert healthy.returncode == 0, healthy.stderr
    assert server.stop() == 0
    unhealthy = subprocess.run(healthcheck_command(env), capture_output=True, timeout=30, env=env)
    assert unhealthy.returncode != 0


@pytest.mark.serve
def test_a_database_url_given_to_the_container_wins_over_the_images(start, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    elsewhere = tmp_path / "elsewhere.db"
    port = free_port()
    env = container_environment(data, MOCK_AFFISE_PORT=str(port),
                                MOCK_AFFISE_DATABASE_URL=f"sqlite:///{elsewhere}")

    server = start(argv=container_command(), env=env, port=port)

    assert server.banner("database").startswith(f"sqlite:///{elsewhere} (seeded tenant 1")
    assert tenants_and_admin_keys(elsewhere) == (1, [DEFAULT_ADMIN_KEY])
    assert not (data / "mock-affise.db").exists()
