"""Server lifecycle for `make bench`: fresh databases, the app's environment, gunicorn instances
(start, wait until ready, kill a worker, stop) and HAProxy in front of several of them.

Every process is started as a child in its own process group and stopped by the context manager
that started it, also when a run fails half-way; nothing is left running.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "var" / "bench"
SQLITE_PATH = BASE_DIR / "var" / "bench.sqlite3"
HAPROXY_CONFIG = BASE_DIR / "bench" / "haproxy.cfg"
PROTECTED_DATABASES = {"postgres", "template0", "template1"}


@dataclass(frozen=True)
class Database:
    vendor: str  # "sqlite" or "postgresql"
    url: str

    @property
    def name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


def fresh_sqlite(path: Path = SQLITE_PATH) -> Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return Database("sqlite", f"sqlite:///{path}")


def _postgres_admin(url: str):
    """An autocommit connection to the server's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def postgres_problem(url: str) -> str:
    """'' when the PostgreSQL server of `url` answers, else why not (one line)."""
    import psycopg

    try:
        _postgres_admin(url).close()
    except psycopg.Error as error:
        return f"PostgreSQL does not answer at {url}: {str(error).strip().splitlines()[0]}"
    return ""


def fresh_postgres(url: str) -> Database:
    """The database `url` names, dropped and created empty (never a system database)."""
    database = Database("postgresql", url)
    if not database.name or database.name in PROTECTED_DATABASES:
        raise ValueError(f"refusing to recreate PostgreSQL database {database.name!r}")
    with _postgres_admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database.name}"')
    return database


def drop_postgres(database: Database) -> None:
    with _postgres_admin(database.url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def app_environment(database: Database, *, redis_url: str = "", cache_prefix: str = "") -> dict:
    """Production settings over plain HTTP on the loopback, for every process of one run."""
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "bonelearn.settings")
    env.update(
        DATABASE_URL=database.url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="ERROR",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env.update(REDIS_URL=redis_url, CACHE_KEY_PREFIX=cache_prefix)
    return env


def manage(env: dict, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=not capture,
        capture_output=capture,
        text=True,
    )


def wait_until_up(url: str, process: subprocess.Popen, *, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s")


def wait_until_idle(url: str, *, timeout: float = 120) -> None:
    """Let requests still queued from the last run drain before the next one starts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        began = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                response.read()
        except OSError:
            time.sleep(0.5)
            continue
        if time.monotonic() - began < 0.1:
            return


class Child:
    """A child process in its own process group, stopped (group and all) on leaving the block."""

    what = "process"

    def __init__(self, command: list[str], *, env: dict, log: Path) -> None:
        self.command, self.env, self.log_path = command, env, log
        self.process: subprocess.Popen | None = None
        self._log: IO | None = None

    def __enter__(self) -> Child:
        self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self._close_log()
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log:
            self._log.close()
            self._log = None


class Gunicorn(Child):
    """One app instance: gunicorn with sync workers on 127.0.0.1:port, app preloaded."""

    what = "gunicorn"

    def __init__(self, env: dict, *, port: int, workers: int, log: Path) -> None:
        self.port, self.workers = port, workers
        command = [
            *(sys.executable, "-m", "gunicorn", "bonelearn.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--worker-class", "sync", "--log-level", "warning", "--timeout", "120"),
            # The app is imported once, in the master: a killed worker is replaced by a fork in
            # milliseconds instead of a second of imports.
            "--preload",
            # The app's own settings (garbage collection in the workers), as in production.
            *("--config", str(BASE_DIR / "gunicorn.conf.py")),
        ]
        super().__init__(command, env=env, log=log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        wait_until_up(f"{self.url}/healthz", self.process, what=self.what)

    def worker_pids(self) -> list[int]:
        try:
            return [child.pid for child in psutil.Process(self.process.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def serving(self, pid: int) -> bool:
        """Whether the worker has a client connection open, i.e. is in the middle of a request
        (a sync worker closes each connection when it has answered)."""
        try:
            connections = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.Error:
            return False
        return any(
            link.status == psutil.CONN_ESTABLISHED and link.laddr and link.laddr.port == self.port
            for link in connections
        )

    def kill_worker(self, rng: random.Random) -> tuple[int, bool] | None:
        """`kill -9` a worker chosen at random, among those serving a request if any are
        (gunicorn starts a new one); its pid and whether it was serving."""
        pids = self.worker_pids()
        busy = [pid for pid in pids if self.serving(pid)]
        if not pids:
            return None
        pid = rng.choice(busy or pids)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return pid, bool(busy)

    def worker_peak_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the current workers, in MB."""
        peak_kb = 0
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        return round(peak_kb / 1024, 1)


class CohortRefresher(Child):
    """`refresh_cohort_figures` every `every` seconds under `nice`, as cron runs it."""

    what = "cohort refresher"

    def __init__(self, env: dict, *, every: float, log: Path) -> None:
        command = ["nice", "-n", "10", sys.executable, "-m", "bench.refresher"]
        command += ["--every", str(every)]
        super().__init__(command, env=env, log=log)


class HAProxy(Child):
    """HAProxy (the Debian package) in the foreground, balancing requests over app instances."""

    what = "haproxy"

    def __init__(self, *, port: int, backends: list[int], log: Path) -> None:
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        env = dict(os.environ, BENCH_HAPROXY_PORT=str(port))
        env.update({f"BENCH_INSTANCE_{n}_PORT": str(p) for n, p in enumerate(backends, 1)})
        self.port = port
        super().__init__([binary, "-db", "-f", str(HAPROXY_CONFIG)], env=env, log=log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        wait_until_up(f"{self.url}/healthz", self.process, what=self.what)


def prepare_app(env: dict, *, learners: int, cards: int, work_dir: Path) -> tuple[dict, Path]:
    """Migrate, collect static files and write the dataset; (its report, the sessions file)."""
    import json

    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    sessions, report = work_dir / "sessions.json", work_dir / "dataset.json"
    subprocess.run(
        [
            *(sys.executable, "-m", "bench.dataset"),
            *("--learners", str(learners), "--cards", str(cards)),
            *("--sessions", str(sessions), "--report", str(report)),
        ],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    return json.loads(report.read_text()), sessions
