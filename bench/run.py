"""`make bench`: build the benchmark database, serve it with gunicorn, load it with locust, report.

Steps: a fresh database (SQLite file var/bench.sqlite3, or database "bonelearn_bench" on the
PostgreSQL server DATABASE_URL points at) → migrate → collectstatic → dataset (1,000 learners ×
300 cards, 1,000,000 review logs) → gunicorn with 2 × cores + 1 workers on 127.0.0.1 → one
saturating locust run per endpoint (16 users, no pause; /healthz is the baseline measured against
the same server) → one paced run (16 users answering a card about every second) for latency →
table on stdout and JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "var" / "bench"
RESULTS_DIR = BASE_DIR / "bench" / "results"
SQLITE_PATH = BASE_DIR / "var" / "bench.sqlite3"
PG_DATABASE = "bonelearn_bench"
PROTECTED_DATABASES = {"postgres", "test", "template0", "template1"}

# (locust user class, request name in its stats, label in the table)
SATURATION = [
    ("Healthz", "GET /healthz", "GET /healthz (baseline)"),
    ("SignedInFloor", "GET /review/suspended/", "signed-in floor (1)"),
    ("ReviewPage", "GET /review/", "GET /review/"),
    ("Answer", "POST /review/answer/", "POST answer (htmx)"),
    ("ProgressPage", "GET /progress/", "GET /progress/"),
    ("InstructorDashboard", "GET /instructor/", "GET /instructor/"),
]
PACED = ("PacedLearner", "PacedInstructor")
PACED_RAMP_SECONDS = 4

TARGET_ANSWER_RATIO = 0.35
TARGET_P95_MS = 50
TARGET_WORKER_MB = 200
TARGET_DATASET_MB = 1024


@dataclass
class Row:
    label: str
    name: str
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    paced_requests: int = 0
    paced_failures: int = 0
    paced_p50: float | None = None
    paced_p95: float | None = None
    ratio: float = 0.0


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(source_url: str | None) -> tuple[str, str]:
    """A fresh, empty benchmark database; returns (DATABASE_URL for it, vendor)."""
    if source_url and source_url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql"}:
        import psycopg

        parts = urlsplit(source_url)
        admin_db = parts.path.lstrip("/") or "postgres"
        if admin_db == PG_DATABASE:
            admin_db = "postgres"
        # Connecting to the given database only to issue CREATE/DROP DATABASE; its contents are
        # never read or changed.
        admin_url = urlunsplit(parts._replace(path=f"/{admin_db}"))
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        assert PG_DATABASE not in PROTECTED_DATABASES
        return urlunsplit(parts._replace(path=f"/{PG_DATABASE}")), "postgresql"
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{SQLITE_PATH}", "sqlite"


def drop_postgres(bench_url: str) -> None:
    import psycopg

    parts = urlsplit(bench_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


def server_environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "bonelearn.settings")
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on the loopback: no HTTPS redirect, cookies without the Secure flag.
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="ERROR",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def wait_until_up(url: str, server: subprocess.Popen, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with status {server.returncode}; see its log above"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def wait_until_idle(url: str, *, timeout: float = 180) -> None:
    """Let requests still queued from the last run drain, so they do not slow the next one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        began = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                response.read()
        except OSError:
            pass
        if time.monotonic() - began < 0.1:
            return
    log("the server was still busy after the last run")


def start_gunicorn(env: dict[str, str], *, port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "bonelearn.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env)


def worker_peak_mb(master: subprocess.Popen) -> float:
    """The largest peak resident set (VmHWM) among gunicorn's worker processes, in MB."""
    peak_kb = 0
    for child in psutil.Process(master.pid).children(recursive=True):
        try:
            status = Path(f"/proc/{child.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak_kb = max(peak_kb, int(line.split()[1]))
    return peak_kb / 1024


def run_locust(
    *,
    host: str,
    classes: tuple[str, ...],
    users: int,
    duration: int,
    prefix: Path,
    offset: int,
    sessions: Path,
    spawn_rate: float | None = None,
) -> dict[str, dict[str, str]]:
    """One headless locust run; statistics restart once every user has started.

    Saturation runs start all users at once. The paced run starts them over a few seconds
    (`spawn_rate` users a second), as learners arrive rather than in the same millisecond: a
    simultaneous first request from all 16 would measure a start-up queue, not the pace."""
    env = dict(os.environ)
    env.update(BENCH_SESSIONS=str(sessions), BENCH_LEARNER_OFFSET=str(offset))
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(BASE_DIR / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate or users),
        "--run-time",
        f"{duration}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--reset-stats",
        "--loglevel",
        "ERROR",
        "--stop-timeout",
        "5",
        *classes,
    ]
    with open(f"{prefix}.log", "w", encoding="utf-8") as output:
        subprocess.run(command, cwd=BASE_DIR, env=env, stdout=output, stderr=output, check=False)
    wait_until_idle(f"{host}/healthz")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def _number(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "", "N/A") else 0.0
    except ValueError:
        return 0.0


def format_table(rows: list[Row], *, users: int) -> str:
    header = (
        f"{'endpoint':<26}{'req/s':>8}{'vs healthz':>11}{'p50 ms':>8}{'p95 ms':>8}{'errors':>8}"
        f"{'paced p50':>11}{'paced p95':>11}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        paced50 = "-" if row.paced_p50 is None else f"{row.paced_p50:.0f}"
        paced95 = "-" if row.paced_p95 is None else f"{row.paced_p95:.0f}"
        lines.append(
            f"{row.label:<26}{row.rps:>8.1f}{row.ratio:>10.0%}{row.p50:>8.0f}{row.p95:>8.0f}"
            f"{row.failures + row.paced_failures:>8d}{paced50:>11}{paced95:>11}"
        )
    lines.append(
        f"req/s, p50, p95: {users} users without pauses (saturation); paced: {users} users "
        f"(started over {PACED_RAMP_SECONDS} s, counted once all run) answering "
        "a card every 0.5-1.5 s.\n(1) GET /review/suspended/ with nothing suspended: the lightest "
        "signed-in page (session, user, one query, base layout)."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="BoneLearn load benchmark")
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", type=int, default=15, help="seconds per endpoint")
    parser.add_argument("--paced-duration", type=int, default=60)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)

    started = time.monotonic()
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir(parents=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)

    database_url, vendor = prepare_database(os.environ.get("DATABASE_URL"))
    env = server_environment(database_url)
    log(f"database: {vendor} ({'var/bench.sqlite3' if vendor == 'sqlite' else PG_DATABASE})")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")

    sessions = WORK_DIR / "sessions.json"
    dataset_file = WORK_DIR / "dataset.json"
    log(f"generating {args.learners} learners × {args.cards} cards...")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.dataset",
            "--learners",
            str(args.learners),
            "--cards",
            str(args.cards),
            "--sessions",
            str(sessions),
            "--report",
            str(dataset_file),
        ],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    dataset = json.loads(dataset_file.read_text())

    cores = os.cpu_count() or 1
    workers = 2 * cores + 1
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port=port, workers=workers)
    rows = [Row(label=label, name=name) for _, name, label in SATURATION]
    by_name = {row.name: row for row in rows}
    try:
        wait_until_up(f"{host}/healthz", server)
        log(f"gunicorn: {workers} workers on {host}; {args.users} users, {args.duration} s each")
        offset = 0
        for user_class, name, label in SATURATION:
            stats = run_locust(
                host=host,
                classes=(user_class,),
                users=args.users,
                duration=args.duration,
                prefix=WORK_DIR / user_class,
                offset=offset,
                sessions=sessions,
            )
            offset += 300
            row = by_name[name]
            for other_name, other in stats.items():
                if other_name in by_name and other_name != name:
                    # Side requests of a scenario (the answer run's review page) count for errors.
                    by_name[other_name].failures += int(_number(other["Failure Count"]))
            found = stats.get(name, {})
            row.requests = int(_number(found.get("Request Count")))
            row.failures += int(_number(found.get("Failure Count")))
            row.rps = _number(found.get("Requests/s"))
            row.p50 = _number(found.get("50%"))
            row.p95 = _number(found.get("95%"))
            log(f"{label}: {row.rps:.1f} req/s, p95 {row.p95:.0f} ms, {row.failures} errors")
        paced = run_locust(
            host=host,
            classes=PACED,
            users=args.users,
            duration=args.paced_duration,
            spawn_rate=args.users / PACED_RAMP_SECONDS,
            prefix=WORK_DIR / "paced",
            offset=offset,
            sessions=sessions,
        )
        for name, stats in paced.items():
            row = by_name.get(name)
            if row is None:
                continue
            row.paced_requests = int(_number(stats.get("Request Count")))
            row.paced_failures = int(_number(stats.get("Failure Count")))
            row.paced_p50 = _number(stats.get("50%"))
            row.paced_p95 = _number(stats.get("95%"))
        peak_mb = worker_peak_mb(server)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        if vendor == "postgresql" and not args.keep_database:
            drop_postgres(database_url)

    baseline = by_name["GET /healthz"].rps or 1.0
    for row in rows:
        row.ratio = row.rps / baseline
    answer, review = by_name["POST /review/answer/"], by_name["GET /review/"]
    errors = sum(row.failures + row.paced_failures for row in rows)
    targets = {
        "no errors": errors == 0,
        f"POST answer >= {TARGET_ANSWER_RATIO:.0%} of /healthz throughput": answer.ratio
        >= TARGET_ANSWER_RATIO,
        f"p95 of review and answer <= {TARGET_P95_MS} ms (paced, {args.users} users)": max(
            review.paced_p95 or 0, answer.paced_p95 or 0
        )
        <= TARGET_P95_MS,
        f"worker peak memory <= {TARGET_WORKER_MB} MB": peak_mb <= TARGET_WORKER_MB,
        f"dataset generation peak memory < {TARGET_DATASET_MB} MB": dataset["peak_rss_mb"]
        < TARGET_DATASET_MB,
    }

    table = format_table(rows, users=args.users)
    print()
    print(
        f"BoneLearn benchmark · {vendor} · {cores} cores · {workers} gunicorn workers · "
        f"{dataset['learners']:,} learners × {dataset['cards']} cards · "
        f"{dataset['review_logs']:,} review logs"
    )
    print(table)
    print(
        f"dataset: {dataset['seconds']:.1f} s, peak memory {dataset['peak_rss_mb']:.0f} MB · "
        f"worker peak memory (VmHWM): {peak_mb:.0f} MB"
    )
    for target, met in targets.items():
        print(f"  [{'ok' if met else 'MISSED'}] {target}")

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result_file = RESULTS_DIR / f"{stamp}-{vendor}.json"
    result = {
        "when": stamp,
        "database": vendor,
        "cores": cores,
        "workers": workers,
        "users": args.users,
        "seconds_per_endpoint": args.duration,
        "paced_seconds": args.paced_duration,
        "dataset": dataset,
        "worker_peak_rss_mb": round(peak_mb, 1),
        "endpoints": [
            {
                "endpoint": row.label,
                "requests": row.requests,
                "requests_per_second": round(row.rps, 1),
                "ratio_to_healthz": round(row.ratio, 3),
                "p50_ms": row.p50,
                "p95_ms": row.p95,
                "errors": row.failures + row.paced_failures,
                "paced_requests": row.paced_requests,
                "paced_p50_ms": row.paced_p50,
                "paced_p95_ms": row.paced_p95,
            }
            for row in rows
        ],
        "targets": targets,
        "total_seconds": round(time.monotonic() - started, 1),
    }
    result_file.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"results: {result_file.relative_to(BASE_DIR)} ({result['total_seconds']:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
