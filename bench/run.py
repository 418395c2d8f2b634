"""`make bench`: measure what a CI run pays for the mock, side by side, and print one table.

Figures (targets from issue 6, on a 2-core machine):

  start-up        `mock-affise serve --port 0` on a fresh file database (default fixture) until
                  /_mock/health answers 200; median of 5.
  throughput      GET /3.1/payments/{id} and GET /3.1/payments (100 invoices a page) under
                  `serve --workers 2` against a bare Flask app answering same-size JSON under the
                  same gunicorn settings (bench/bare_app.py); wrk, keep-alive, 8 connections,
                  2 threads, --latency; 5 rounds of 4 s, bare and mock alternating, medians;
                  ratio = mock req/s / bare req/s, p99 from wrk. For reference (no target):
                  the same GET with the key in the query string, which the mock never
                  replays from its answer cache, so every call is rendered afresh.
  generation      POST /3.1/payments/generate (Flask test client, file database) over fixtures
                  from `generate-fixture --seed 1` with 1,000 affiliates / 100,000 conversions and
                  100 / 10,000; only the call is timed, best of 5 on fresh copies of the seeded
                  file, one app across the copies (a running mock's warm statement cache);
                  scaling = t(100k) / t(10k).
  create-for-affiliate  one affiliate with 10,000 payable conversions, all billed by the call;
                  best of 5 on fresh copies, as for generation.
  harness         snapshot restore, reset, tenant creation (POST /_mock/tenants, default
                  fixture) via the test client on a file database; median of 50 each.
  slow clients    200 connections that sent half their headers and 50 that sent nothing stay
                  open against `serve` (one worker) while a normal client makes 100 calls of
                  GET /3.1/payments/{id}, each on a new connection, after a first one (shown
                  apart: it waits for the server to accept those 250 connections); p99.
  big tenant      `serve` (one worker, SQLite file) makes a tenant from a generated 200,000-
                  conversion document while a client of the seeded tenant updates an invoice in
                  a loop (bench/big_tenant.py): the creation's seconds, how many of those writes
                  completed meanwhile and the longest one (it waited for the inserts).
  suite           what a test suite feels (bench/suite.py): the typical test and the empty test
                  through the plugin's server against bare Flask served the same way; in-process
                  write, read-after-write and page-after-write against a bare test-client call;
                  bench/suite_example's wall time. Then the typical test (fresh tenant, generate,
                  list, update, read, add-correction, read, partner, currencies, drop) through
                  `requests` to an Affise URL answered in-process by mock_affise.intercept,
                  against a bare Flask app answering the recorded bodies intercepted the same way
                  (bench/suite_intercept.py); alternating, medians; ratio = mock / floor.
  dashboard       every /_mock/ui page (tenants, network, invoices, an invoice, journal, an
                  entry, generations, controls) over generate-fixture's 1,000 affiliates and
                  100,000 conversions after one generation, in the test client on a file
                  database (bench/dashboard.py); median of 20 a page; the slowest is the figure.
  soak            100,000 requests (GET /3.1/payments/{id}, each one journaled) against
                  `serve --workers 1` for as long as that takes at the rate a 3 s calibration
                  run measured (at most 7 minutes), the worker's RSS sampled every second from
                  /proc; start (after the calibration), peak, end, journal rows after.

Fixtures are generated into a temporary directory and removed afterwards; results also go to
bench/out/results.json. Options: --quick (shorter runs, for development), --only NAME[,NAME].
Timings are printed, never asserted: the exit status is 0 even when a figure fails its target.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_affise.testing_server import ServerProcess, mock_affise_command

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"


def _default_fixture() -> Path:
    """The fixture `serve` seeds without --fixtures (wherever the package keeps it)."""
    try:
        from mock_affise.config import default_fixture_path

        return Path(default_fixture_path())
    except ImportError:
        return ROOT / "fixtures" / "default.json"


DEFAULT_FIXTURE = _default_fixture()
MIB = 1024 * 1024

SECTIONS = ("startup", "throughput", "generation", "cfa", "harness", "suite", "slow_clients",
            "big_tenant", "dashboard", "soak")


# ----------------------------------------------------------------------------- results


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    target: str
    passed: bool | None  # None: could not be measured

    def shown_value(self) -> str:
        if self.value is None:
            return "n/a"
        if self.unit == "x":
            return f"{self.value:.2f}x"
        if self.unit == "s":
            return f"{self.value:.3f} s"
        if self.unit == "ms":
            return f"{self.value:.1f} ms"
        if self.unit == "MiB":
            return f"{self.value:.1f} MiB"
        return f"{self.value:g} {self.unit}".strip()


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, value: float | None, unit: str, target: str,
            check: Callable[[float], bool]) -> None:
        passed = None if value is None else bool(check(value))
        self.figures.append(Figure(name, value, unit, target, passed))

    def info(self, name: str, value: float | None, unit: str) -> None:
        """A figure printed for reference, with no target of its own."""
        self.figures.append(Figure(name, value, unit, "-", None))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    import gunicorn
    import sqlalchemy

    model = platform.processor() or "unknown"
    family = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model in ("unknown", "", "x86_64"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("cpu family") and family is None:
                family = line.split(":", 1)[1].strip()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5).stdout
        hyper = re.search(r"Hypervisor vendor:\s*(.+)", lscpu)
        if hyper:
            model += f" (virtualised, {hyper.group(1).strip()})"
    memory = None
    with contextlib.suppress(OSError):
        found = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        memory = round(int(found.group(1)) / MIB, 1) if found else None
    wrk = shutil.which("wrk")
    wrk_version = None
    if wrk:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            text = subprocess.run([wrk, "--version"], capture_output=True, text=True,
                                  timeout=5).stdout
            wrk_version = text.split()[1] if text.split()[:1] == ["wrk"] else text.strip()
    return {
        "cpu": model, "cpu_family": family, "cores": os.cpu_count(),
        "memory_gib": memory, "os": platform.platform(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "gunicorn": gunicorn.__version__, "flask": version("flask"),
        "sqlalchemy": sqlalchemy.__version__, "wrk": wrk_version,
    }


def ensure_wrk() -> str | None:
    """Return wrk's path, installing the Debian package when missing and allowed."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log("wrk is missing and cannot be installed here (needs root and apt-get): "
            "the throughput and soak figures are skipped; install it with: apt-get install wrk")
        return None
    log("installing wrk (apt-get install -y wrk)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
    return shutil.which("wrk")


# ----------------------------------------------------------------------------- helpers


def generate_fixture(path: Path, affiliates: int, conversions: int, seed: int = 1,
                     invoices: int | None = None) -> Path:
    args = ["generate-fixture", "--affiliates", str(affiliates), "--conversions",
            str(conversions), "--seed", str(seed), "--output", str(path)]
    if invoices is not None:
        args += ["--invoices", str(invoices)]
    subprocess.run(mock_affise_command(*args), check=True)
    return path


def admin_key(document: dict[str, Any]) -> str:
    return next(m["api_key"] for m in document["managers"] if m["role"] == "admin")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def seed_database(path: Path, fixture: Path) -> float:
    """Create and seed a file database from fixture (in-process); return the seconds it took."""
    from mock_affise import create_app

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": sqlite_url(path), "FIXTURES": str(fixture)})
    elapsed = time.perf_counter() - started
    app.extensions["mock_affise"].db.dispose()
    return elapsed


@contextlib.contextmanager
def client_on(path: Path) -> Iterator[Any]:
    """A Flask test client on an existing (seeded) file database."""
    from mock_affise import create_app

    app = create_app({"DATABASE_URL": sqlite_url(path), "SEED": False})
    try:
        yield app.test_client()
    finally:
        app.extensions["mock_affise"].db.dispose()


def start_server(command: list[str], log_path: Path, banner: str,
                 timeout: float = 60) -> ServerProcess:
    """Spawn a gunicorn-based server; return once its banner line (with the URL) is printed."""
    server = ServerProcess(command, log_path.parent, name=log_path.stem, banner=banner)
    if not server.wait_for_banner(timeout):
        server.stop()
        raise RuntimeError(f"{command[0]} did not start; see {server.stderr_path}: "
                           + server.stderr[-2000:])
    return server


def http_get(host: str, port: int, path: str, headers: dict[str, str] | None = None,
             timeout: float = 5) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_healthy(host: str, port: int, deadline: float) -> bool:
    while time.perf_counter() < deadline:
        try:
            status, _ = http_get(host, port, "/_mock/health", timeout=2)
            if status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.002)
    return False


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: split after it
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def rss_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else None


# ----------------------------------------------------------------------------- wrk


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(wrk: str, url: str, seconds: int, key: str | None, connections: int = 8,
            threads: int = 2) -> dict[str, Any]:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s"]
    if key:
        command += ["-H", f"API-Key: {key}"]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = {"command": " ".join(command[:-1] + [f"'{url}'"])}
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["rps"] = float(found.group(1)) if found else 0.0
    found = re.search(r"(\d+) requests in ([\d.]+\w+)", output)
    result["requests"] = int(found.group(1)) if found else 0
    for percentile in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{percentile}%\s+([\d.]+\w+)\s*$", output, re.M)
        result[f"p{percentile}_ms"] = _duration_ms(found.group(1)) if found else None
    found = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(found.group(1)) if found else 0
    found = re.search(r"Socket errors: (.+)", output)
    result["socket_errors"] = found.group(1).strip() if found else None
    return result


# ----------------------------------------------------------------------------- figures


def bench_startup(results: Results, work: Path, runs: int) -> None:
    log(f"start-up: serve --port 0 on a fresh database until /_mock/health is 200, {runs} runs")
    times, banners = [], []
    for run in range(runs):
        database = work / f"startup-{run}.db"
        started = time.perf_counter()
        server = start_server(mock_affise_command("serve", "--port", "0", "--database",
                                           sqlite_url(database)),
                              work / f"startup-{run}.log", "mock-affise serving")
        banner = time.perf_counter() - started
        try:
            host, port = server.host_port
            healthy = wait_healthy(host, port, started + 30)
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
        if not healthy:
            raise RuntimeError("serve never became healthy; see " + str(server.stderr_path))
        times.append(elapsed)
        banners.append(banner)
    median = statistics.median(times)
    results.raw["startup"] = {"seconds": times, "banner_seconds": banners, "median": median}
    results.add("serve start to healthy /_mock/health (default fixture), median of "
                f"{runs}", median, "s", "< 1 s", lambda v: v < 1.0)


def bench_throughput(results: Results, work: Path, wrk: str | None, seconds: int,
                     workers: int) -> None:
    single_name = "GET /3.1/payments/{id}: mock/bare req/s (8 conn, keep-alive)"
    p99_name = "GET /3.1/payments/{id}: mock p99 latency"
    list_name = "GET /3.1/payments, 100 a page: mock/bare req/s"
    if wrk is None:
        for name, unit, target in ((single_name, "x", ">= 0.6"), (p99_name, "ms", "< 20 ms"),
                                   (list_name, "x", ">= 0.3")):
            results.add(name, None, unit, target, lambda v: False)
        return
    log("throughput: seeding a served database with 150 invoices "
        "(generate-fixture --affiliates 100 --conversions 2000 --seed 1 --invoices 150)")
    fixture = generate_fixture(work / "throughput.json", 100, 2000, invoices=150)
    database = work / "throughput.db"
    mock = start_server(mock_affise_command("serve", "--port", "0", "--workers", str(workers),
                                     "--database", sqlite_url(database),
                                     "--fixtures", str(fixture)),
                        work / "mock-serve.log", "mock-affise serving")
    bare = None
    try:
        host, port = mock.host_port
        if not wait_healthy(host, port, time.perf_counter() + 60):
            raise RuntimeError("the mock never became healthy")
        headers = {"API-Key": mock.admin_key or ""}
        list_path = "/3.1/payments?date_from=2000-01-01&date_to=2030-12-31&limit=100&page=1"
        status, list_body = http_get(host, port, list_path, headers)
        listed = json.loads(list_body)
        if status != 200 or len(listed.get("payments", [])) != 100:
            raise RuntimeError(f"the list page is not 100 invoices: {status} {list_body[:300]!r}")
        # a typical invoice: the one whose body size is the page's median
        sizes = sorted((len(json.dumps(p, separators=(",", ":"))), p["id"])
                       for p in listed["payments"])
        single_path = f"/3.1/payments/{sizes[len(sizes) // 2][1]}"
        status, single_body = http_get(host, port, single_path, headers)
        if status != 200:
            raise RuntimeError(f"{single_path} answered {status}")
        (work / "single.json").write_bytes(single_body)
        (work / "list.json").write_bytes(list_body)
        bare = start_server([sys.executable, str(BENCH / "bare_app.py"), "--port", "0",
                             "--workers", str(workers), "--single", str(work / "single.json"),
                             "--list", str(work / "list.json")],
                            work / "bare.log", "bare serving")
        bhost, bport = bare.host_port
        deadline = time.perf_counter() + 30
        while True:
            try:
                status, bare_single = http_get(bhost, bport, single_path)
                break
            except OSError:
                if time.perf_counter() > deadline:
                    raise
                time.sleep(0.01)
        _, bare_list = http_get(bhost, bport, list_path)
        sizes_raw = {"single": {"mock": len(single_body), "bare": len(bare_single)},
                     "list": {"mock": len(list_body), "bare": len(bare_list)}}
        # wrk opens its 8 connections at the start of a run and gunicorn's workers race to
        # accept them, so one run may land 8/0 on two workers and the next 4/4: a single run
        # swings by tens of percent. Hence rounds, bare and mock alternating, and the median.
        # For reference: the mock when no answer can be replayed (a key in the query string
        # always takes the full path: key lookup, view, rendering).
        rendered_path = f"{single_path}?api-key={mock.admin_key}"
        rounds: dict[str, list[dict[str, Any]]] = {}
        for label, path in (("single", single_path), ("list", list_path)):
            sides = [("bare", bare, None, path), ("mock", mock, mock.admin_key, path)]
            if label == "single":
                sides.append(("rendered", mock, None, rendered_path))
            for side, server, key, url_path in sides:
                log(f"throughput: {side} {url_path}: warm-up 2 s")
                run_wrk(wrk, server.url + url_path, 2, key)
            for number in range(ROUNDS):
                for side, server, key, url_path in sides:
                    log(f"throughput: {side} {url_path}: round {number + 1} of {ROUNDS}, "
                        f"{seconds} s")
                    rounds.setdefault(f"{label}_{side}", []).append(
                        run_wrk(wrk, server.url + url_path, seconds, key))
        runs = {name: _median_run(each) for name, each in rounds.items()}
        for name, run in runs.items():
            if run["non_2xx"] or run["socket_errors"]:
                log(f"throughput: {name} had non-2xx answers or socket errors: {run}")
        single_ratio = runs["single_mock"]["rps"] / runs["single_bare"]["rps"]
        list_ratio = runs["list_mock"]["rps"] / runs["list_bare"]["rps"]
        results.raw["throughput"] = {"workers": workers, "paths": {"single": single_path,
                                                                   "list": list_path},
                                     "body_bytes": sizes_raw, "median": runs,
                                     "ratios": {"single": single_ratio, "list": list_ratio,
                                                "single_rendered": runs["single_rendered"]["rps"]
                                                / runs["single_bare"]["rps"]},
                                     "rounds": rounds}
        clean = lambda *names: all(not runs[n]["non_2xx"] and not runs[n]["socket_errors"]  # noqa: E731
                                   for n in names)
        single_ok = clean("single_mock", "single_bare")
        list_ok = clean("list_mock", "list_bare")
        results.add(single_name, single_ratio, "x", ">= 0.6", lambda v: v >= 0.6 and single_ok)
        results.add(p99_name, runs["single_mock"]["p99_ms"], "ms", "< 20 ms",
                    lambda v: v < 20 and single_ok)
        results.add(list_name, list_ratio, "x", ">= 0.3", lambda v: v >= 0.3 and list_ok)
        results.info("GET /3.1/payments/{id}, never replayed (key in the query): mock/bare req/s",
                     runs["single_rendered"]["rps"] / runs["single_bare"]["rps"], "x")
        results.info("GET /3.1/payments/{id}, never replayed: p99 latency",
                     runs["single_rendered"]["p99_ms"], "ms")
    finally:
        mock.stop()
        if bare is not None:
            bare.stop()


@contextlib.contextmanager
def fresh_copies(seeded: Path, path: Path) -> Iterator[tuple[Any, Callable[[], None]]]:
    """A test client on path, and a function that puts a fresh copy of seeded there.

    The app (its engine, hence SQLAlchemy's compiled-statement cache) lives across the copies,
    as a long-running mock serving many tests does: each copy is written while the engine holds
    no connection, so the next transaction opens the fresh file.
    """
    from mock_affise import create_app

    def fresh() -> None:
        db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        copy_database(seeded, path)

    copy_database(seeded, path)
    app = create_app({"DATABASE_URL": sqlite_url(path), "SEED": False})
    db = app.extensions["mock_affise"].db
    try:
        yield app.test_client(), fresh
    finally:
        db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


ROUNDS = 5


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of wrk runs, figure by figure; errors summed."""
    median: dict[str, Any] = {"rounds": len(runs)}
    for name in ("rps", "p50_ms", "p75_ms", "p90_ms", "p99_ms"):
        values = [r[name] for r in runs if r[name] is not None]
        median[name] = statistics.median(values) if values else None
    median["requests"] = sum(r["requests"] for r in runs)
    median["non_2xx"] = sum(r["non_2xx"] for r in runs)
    errors = [r["socket_errors"] for r in runs if r["socket_errors"]]
    median["socket_errors"] = "; ".join(errors) or None
    median["command"] = runs[0]["command"]
    return median


def _time_generate(client: Any, key: str) -> tuple[float, int]:
    headers = {"API-Key": key}
    started = time.perf_counter()
    answer = client.post("/3.1/payments/generate", headers=headers, data={"date": "2024-06-15"})
    elapsed = time.perf_counter() - started
    if answer.status_code != 200 or answer.json.get("status") != 1:
        raise RuntimeError(f"generate failed: {answer.status_code} {answer.data[:300]!r}")
    report = client.get("/_mock/generations", headers=headers).json["generations"][-1]
    return elapsed, len(report["payments"])


def bench_generation(results: Results, work: Path, runs: int) -> None:
    timings: dict[str, Any] = {}
    for label, affiliates, conversions in (("100k", 1000, 100_000), ("10k", 100, 10_000)):
        log(f"generation: generate-fixture --affiliates {affiliates} "
            f"--conversions {conversions} --seed 1, seeding a file database")
        fixture = generate_fixture(work / f"gen-{label}.json", affiliates, conversions)
        key = admin_key(json.loads(fixture.read_bytes()))
        seeded = work / f"gen-{label}.db"
        seed_seconds = seed_database(seeded, fixture)
        samples, made = [], 0
        with fresh_copies(seeded, work / f"gen-{label}-run.db") as (client, fresh):
            for run in range(runs):
                fresh()
                elapsed, made = _time_generate(client, key)
                samples.append(elapsed)
                log(f"generation {label}: run {run + 1}: {elapsed:.3f} s, {made} invoices")
        timings[label] = {"affiliates": affiliates, "conversions": conversions,
                          "seed_seconds": seed_seconds, "seconds": samples,
                          "best": min(samples), "invoices": made}
        for suffix in ("", "-wal", "-shm"):
            Path(f"{seeded}{suffix}").unlink(missing_ok=True)
    scaling = timings["100k"]["best"] / timings["10k"]["best"]
    timings["scaling"] = scaling
    results.raw["generation"] = timings
    results.add("generate, 100,000 conversions / 1,000 affiliates / 3 currencies, best of "
                f"{runs}", timings["100k"]["best"], "s", "< 2 s", lambda v: v < 2.0)
    results.add("generate scaling: t(100,000) / t(10,000 conversions)", scaling, "x",
                "<= 11", lambda v: v <= 11.0)


CFA_CONVERSIONS = 10_000


def cfa_document() -> dict[str, Any]:
    """The default fixture plus 10,000 approved, unbilled USD conversions of affiliate 2, the
    oldest of its conversions, at 0.50 each: a sum of 5,000 bills exactly those 10,000."""
    from datetime import datetime, timedelta

    document = json.loads(DEFAULT_FIXTURE.read_text())
    start = datetime(2020, 1, 1)  # before any conversion of the default fixture
    offer = document["offers"][0]["id"]
    for number in range(CFA_CONVERSIONS):
        document["conversions"].append({
            "id": f"67{number:022x}", "affiliate_id": 2, "offer_id": offer, "status": 1,
            "payouts": "0.50", "currency": "USD", "country": "US", "goal": "1",
            "created_at": (start + timedelta(minutes=number)).strftime("%Y-%m-%d %H:%M:%S"),
            "hold_until": None})
    return document


def bench_cfa(results: Results, work: Path, runs: int) -> None:
    log(f"create-for-affiliate: one affiliate with {CFA_CONVERSIONS:,} payable conversions")
    document = cfa_document()
    fixture = work / "cfa.json"
    fixture.write_text(json.dumps(document))
    seeded = work / "cfa.db"
    seed_seconds = seed_database(seeded, fixture)
    key = admin_key(document)
    usd = next(c["id"] for c in document["currencies"] if c["code"] == "USD")
    samples, billed = [], 0
    headers = {"API-Key": key}
    with fresh_copies(seeded, work / "cfa-run.db") as (client, fresh):
        for _ in range(runs):
            fresh()
            started = time.perf_counter()
            answer = client.post("/3.1/payments/create-for-affiliate", headers=headers,
                                 data={"aid": "2", "sum": "5000", "currency": str(usd)})
            elapsed = time.perf_counter() - started
            if answer.status_code != 200 or answer.json.get("status") != 1:
                raise RuntimeError(f"create-for-affiliate failed: {answer.data[:300]!r}")
            report = client.get("/_mock/generations", headers=headers).json
            [payment_id] = report["generations"][-1]["payments"]
            billed = len(client.get(f"/3.1/payments/{payment_id}",
                                    headers=headers).json["payment"]["cpa_actions"])
            samples.append(elapsed)
    if billed != CFA_CONVERSIONS:
        raise RuntimeError(f"create-for-affiliate billed {billed}, not {CFA_CONVERSIONS}")
    best = min(samples)
    results.raw["create_for_affiliate"] = {"seconds": samples, "best": best,
                                           "conversions_billed": billed,
                                           "seed_seconds": seed_seconds}
    results.add(f"create-for-affiliate, {CFA_CONVERSIONS:,} payable conversions, best of "
                f"{runs}", best * 1000, "ms", "< 50 ms", lambda v: v < 50)


def bench_harness(results: Results, work: Path, runs: int) -> None:
    log(f"harness: snapshot restore, reset, tenant creation, {runs} each")
    database = work / "harness.db"
    seed_database(database, DEFAULT_FIXTURE)
    key = admin_key(json.loads(DEFAULT_FIXTURE.read_text()))
    headers = {"API-Key": key}
    raw: dict[str, Any] = {}
    with client_on(database) as client:
        def timed(label: str, call: Callable[[], Any]) -> None:
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                answer = call()
                samples.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    raise RuntimeError(f"{label} failed: {answer.data[:300]!r}")
            raw[label] = {"ms": [s * 1000 for s in samples],
                          "median_ms": statistics.median(samples) * 1000}

        assert client.post("/_mock/snapshots", headers=headers,
                           json={"name": "bench"}).status_code == 200
        timed("restore", lambda: client.post("/_mock/snapshots/bench/restore", headers=headers))
        timed("reset", lambda: client.post("/_mock/reset", headers=headers))
        timed("tenant", lambda: client.post("/_mock/tenants"))
    results.raw["harness"] = raw
    results.add(f"snapshot restore (default fixture), median of {runs}",
                raw["restore"]["median_ms"], "ms", "< 20 ms", lambda v: v < 20)
    results.add(f"reset (default fixture), median of {runs}", raw["reset"]["median_ms"], "ms",
                "< 20 ms", lambda v: v < 20)
    results.add(f"tenant creation from the default fixture, median of {runs}",
                raw["tenant"]["median_ms"], "ms", "< 50 ms", lambda v: v < 50)


def bench_slow_clients(results: Results, work: Path) -> None:
    from slow_clients import IDLE, SLOW, normal_call_seconds

    log(f"slow clients: {SLOW} slow-header and {IDLE} idle connections held, normal calls")
    server = start_server(mock_affise_command("serve", "--port", "0", "--database",
                                       sqlite_url(work / "slow-clients.db")),
                          work / "slow-clients.log", "mock-affise serving")
    try:
        host, port = server.host_port
        if not wait_healthy(host, port, time.perf_counter() + 30):
            raise RuntimeError("serve never became healthy; see " + str(server.stderr_path))
        headers = {"API-Key": server.admin_key or ""}
        http_get(host, port, "/3.1/payments/2921", headers)  # warm: the first call ever is slower
        seconds = normal_call_seconds(host, port, "/3.1/payments/2921", headers)
    finally:
        server.stop()
    first, rest = seconds[0] * 1000, sorted(seconds[1:])
    p99 = rest[int(len(rest) * 0.99) - 1] * 1000
    results.raw["slow_clients"] = {"slow": SLOW, "idle": IDLE, "call_ms": [
        round(s * 1000, 2) for s in seconds], "median_ms": statistics.median(rest) * 1000}
    results.add(f"normal call beside {SLOW} slow-header + {IDLE} idle clients, p99 of "
                f"{len(rest)}", p99 if p99 != float("inf") else None, "ms", "< 100 ms",
                lambda v: v < 100)
    results.info("  the first call, behind the accept of those connections", first
                 if first != float("inf") else None, "ms")


def bench_big_tenant(results: Results, work: Path, conversions: int) -> None:
    from big_tenant import AFFILIATES, body_size_limit, writes_during_creation

    log(f"big tenant: a {conversions:,}-conversion tenant made while another tenant writes")
    document = generate_fixture(work / "big-tenant.json", AFFILIATES, conversions, seed=3)
    env = {**os.environ, "MOCK_AFFISE_MAX_BODY_BYTES": body_size_limit(document)}
    server = ServerProcess(mock_affise_command("serve", "--port", "0", "--database",
                                               sqlite_url(work / "big-tenant.db")),
                           work, name="big-tenant", env=env)
    try:
        if not server.wait_for_banner(60):
            raise RuntimeError("serve did not start; see " + str(server.stderr_path))
        host, port = server.host_port
        if not wait_healthy(host, port, time.perf_counter() + 30):
            raise RuntimeError("serve never became healthy; see " + str(server.stderr_path))
        figures = writes_during_creation(host, port, server.admin_key or "", document)
    finally:
        server.stop()
    results.raw["big_tenant"] = {"conversions": conversions, **figures}
    results.info(f"tenant creation from a {conversions:,}-conversion document (serve, SQLite "
                 "file)", figures["creation_s"], "s")
    results.info("  another tenant's writes completed meanwhile", figures["writes"], "")
    results.info("  the longest of those writes (it waited for the inserts)",
                 figures["longest_write_s"], "s")


def bench_soak(results: Results, work: Path, wrk: str | None, requests: int,
               max_seconds: int) -> None:
    peak_name = f"soak ({requests:,} requests, --workers 1): worker peak RSS"
    flat_name = "soak: worker RSS growth, end - start (journal bounded)"
    if wrk is None:
        results.add(peak_name, None, "MiB", "< 200 MiB", lambda v: False)
        results.add(flat_name, None, "MiB", "< 20 MiB (flat)", lambda v: False)
        return
    database = work / "soak.db"
    server = start_server(mock_affise_command("serve", "--port", "0", "--workers", "1", "--database",
                                       sqlite_url(database)),
                          work / "soak.log", "mock-affise serving")
    try:
        host, port = server.host_port
        if not wait_healthy(host, port, time.perf_counter() + 30):
            raise RuntimeError("the soak server never became healthy")
        workers = children(server.process.pid)
        if len(workers) != 1:
            raise RuntimeError(f"expected one gunicorn worker, found {workers}")
        worker = workers[0]
        document = json.loads(DEFAULT_FIXTURE.read_text())
        path = f"/3.1/payments/{document['payments'][0]['id']}"
        url = server.url + path
        log("soak: calibrating (3 s)")
        calibration = run_wrk(wrk, url, 3, server.admin_key)
        rate = max(calibration["rps"], 1.0)
        log(f"soak: {rate:.0f} req/s: about {requests / rate:.0f} s for {requests:,} requests, "
            "the worker's RSS every second")
        samples: list[tuple[float, float]] = []
        stop = threading.Event()

        def sample() -> None:
            started = time.perf_counter()
            while not stop.is_set():
                value = rss_mib(worker)
                if value is not None:
                    samples.append((round(time.perf_counter() - started, 1), value))
                stop.wait(1.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wrk runs for a duration, not a count: run it in chunks of at most a minute, each
        # sized by the rate the one before measured, until the count is reached.
        chunks: list[dict[str, Any]] = []
        deadline = time.perf_counter() + max_seconds
        done = 0
        try:
            while done < requests and time.perf_counter() < deadline:
                left = min(deadline - time.perf_counter(), 60.0)
                seconds = max(1, min(int(left), int((requests - done) / rate) + 1))
                chunk = run_wrk(wrk, url, seconds, server.admin_key)
                chunks.append(chunk)
                done += chunk["requests"]
                rate = max(chunk["rps"], 1.0)
        finally:
            stop.set()
            sampler.join()
        run = _median_run(chunks)
        run["rps"] = done / sum(float(c["requests"]) / max(c["rps"], 1.0) for c in chunks)
        final = rss_mib(worker)
        if final is not None:
            samples.append((samples[-1][0] + 1 if samples else 0, final))
        if children(server.process.pid) != [worker]:
            raise RuntimeError("the worker was replaced during the soak (crash or timeout?)")
    finally:
        server.stop()
    with contextlib.closing(sqlite3.connect(database)) as connection:
        journal_rows = connection.execute("SELECT count(*) FROM journal").fetchone()[0]
    values = [v for _, v in samples]
    start, peak, end = values[0], max(values), values[-1]
    total = calibration["requests"] + done
    results.raw["soak"] = {"worker_pid": worker, "requests": total, "wrk_chunks": chunks,
                           "rps": run["rps"], "calibration_rps": calibration["rps"],
                           "seconds": samples[-1][0] if samples else None,
                           "rss_start_mib": start, "rss_peak_mib": peak, "rss_end_mib": end,
                           "journal_rows_after": journal_rows,
                           "rss_samples_mib": [[t, round(v, 1)] for t, v in samples]}
    enough = done >= requests and not run["non_2xx"]
    results.add(f"soak ({total:,} requests, --workers 1): worker peak RSS", peak, "MiB",
                "< 200 MiB", lambda v: v < 200 and enough)
    results.add("soak: worker RSS growth, end - start (journal bounded: "
                f"{journal_rows} rows after)", end - start, "MiB", "< 20 MiB (flat)",
                lambda v: v < 20 and enough)


# ----------------------------------------------------------------------------- report


def render(results: Results, info: dict[str, Any]) -> str:
    rows = [("figure", "value", "target", "result")]
    for figure in results.figures:
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[figure.passed]
        if figure.target == "-":
            verdict = "info"
        rows.append((figure.name, figure.shown_value(), figure.target, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [line]
    for index, row in enumerate(rows):
        out.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            out.append(line)
    out.append(line)
    passed = sum(f.passed is True for f in results.figures)
    targets = sum(f.target != "-" for f in results.figures)
    out.append(f"{passed} of {targets} figures meet their target.")
    out.append("")
    out.append("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    out.append("")
    out.append("raw numbers:")
    out.append(json.dumps(results.raw, indent=1, default=str))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure mock-affise against issue 6's targets.")
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs (development only: the figures are noisier)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections: " + ", ".join(SECTIONS))
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn workers for the throughput figures (both apps)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")

    quick = args.quick
    started = time.perf_counter()
    info = machine()
    wrk = ensure_wrk() if {"throughput", "soak"} & set(only) else None
    info["wrk"] = info["wrk"] or (wrk and machine()["wrk"])
    results = Results()
    work = Path(tempfile.mkdtemp(prefix="mock-affise-bench-"))
    log(f"working in {work}")
    try:
        if "startup" in only:
            bench_startup(results, work, 3 if quick else 5)
        if "throughput" in only:
            bench_throughput(results, work, wrk, 2 if quick else 4, args.workers)
        if "generation" in only:
            bench_generation(results, work, 2 if quick else 5)
        if "cfa" in only:
            bench_cfa(results, work, 2 if quick else 5)
        if "harness" in only:
            bench_harness(results, work, 10 if quick else 50)
        if "suite" in only:
            from suite import bench_suite

            bench_suite(results, work, 10 if quick else 50)
            from suite_intercept import bench_intercept_suite

            log("suite: the typical test intercepted in-process, and its floor")
            bench_intercept_suite(results, 10 if quick else 50)
        if "slow_clients" in only:
            bench_slow_clients(results, work)
        if "big_tenant" in only:
            bench_big_tenant(results, work, 20_000 if quick else 200_000)
        if "dashboard" in only:
            from dashboard import bench_dashboard

            bench_dashboard(results, work, 5 if quick else 20, generate_fixture, seed_database,
                            client_on, admin_key, log)
        if "soak" in only:
            bench_soak(results, work, wrk, 10_000 if quick else 100_000, 60 if quick else 420)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results.raw["bench_seconds"] = round(time.perf_counter() - started, 1)
    results.raw["quick"] = quick
    report = render(results, info)
    print(report, flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(
        {"machine": info, "figures": [f.__dict__ for f in results.figures], "raw": results.raw},
        indent=1, default=str))
    (OUT / "report.txt").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
