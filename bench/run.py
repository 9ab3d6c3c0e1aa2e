"""`make bench`: chaos and capacity on SQLite and PostgreSQL, then two instances behind HAProxy.

Each run builds a fresh database (SQLite var/bench.sqlite3; PostgreSQL: the database named by
BENCH_POSTGRES_URL) with the dataset (1,000 learners × 300 cards, 1,000,000 review logs), serves
it with gunicorn (2 × cores + 1 sync workers, production settings over plain HTTP) and
1. chaos: paced learners for a minute while a random worker is killed (`kill -9`) every few
   seconds; then every answer that got a 2xx must have its log row and `rebuild_memory --check`
   must be clean;
2. capacity: paced learners ramped in steps until p95 > 100 ms or a request fails.
The scale-out run does the same capacity ramp through HAProxy in front of two instances sharing
PostgreSQL (sessions and cache in Redis), after checking that duplicated answers split across both
instances record once. Results: bench/results/latest-<run>.json and the README's table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.capacity import capacity_run
from bench.chaos import chaos_run
from bench.load import Pool, Ramp
from bench.scaleout import cache_prefix, duplicates_check, redis_keys
from bench.server import (
    WORK_DIR,
    CohortRefresher,
    Database,
    Gunicorn,
    HAProxy,
    app_environment,
    drop_postgres,
    fresh_postgres,
    fresh_sqlite,
    postgres_problem,
    prepare_app,
)

RUNS = ("sqlite", "postgresql", "scaleout")
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bonelearn_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DUPLICATE_LEARNERS = 20
# The cron interval of refresh_cohort_figures (README, "Instructor dashboard").
REFRESH_SECONDS = 300


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", default=",".join(RUNS), help="comma-separated: " + ", ".join(RUNS)
    )
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8160, help="first of 11 ports to use")
    parser.add_argument("--chaos-learners", type=int, default=100)
    parser.add_argument("--chaos-seconds", type=int, default=60)
    parser.add_argument("--kill-every", type=float, default=3.0)
    parser.add_argument("--ramp-start", type=int, default=100)
    parser.add_argument("--ramp-step", type=int, default=100)
    parser.add_argument("--ramp-hold", type=float, default=40)
    parser.add_argument("--ramp-settle", type=float, default=12)
    parser.add_argument("--p95-limit", type=float, default=100)
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README's table")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    args = parser.parse_args(argv)
    args.runs = [run.strip() for run in args.runs.split(",") if run.strip()]
    unknown = set(args.runs) - set(RUNS)
    if unknown:
        parser.error(f"unknown run(s): {', '.join(sorted(unknown))}")
    return args


def _ramp(args: argparse.Namespace, *, learners: int) -> Ramp:
    return Ramp(
        start=args.ramp_start,
        step=args.ramp_step,
        max=learners,
        hold=args.ramp_hold,
        settle=args.ramp_settle,
        p95_limit_ms=args.p95_limit,
    )


def _database_name(database: Database) -> str:
    """The PostgreSQL database whose backends' CPU time the ramp counts (SQLite runs in-process)."""
    return database.name if database.vendor == "postgresql" else ""


def _result(run: str, database: Database, args: argparse.Namespace, **parts: object) -> dict:
    return {
        "run": run,
        "database": database.vendor,
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cores": os.cpu_count(),
        "workers_per_instance": args.workers,
        "learners": args.learners,
        "cards": args.cards,
        **parts,
    }


def single_run(run: str, args: argparse.Namespace, work: Path) -> dict:
    """Chaos, then the capacity ramp, on one gunicorn instance and a fresh database."""
    database = fresh_sqlite() if run == "sqlite" else fresh_postgres(args.postgres_url)
    env = app_environment(database)
    load_before = os.getloadavg()
    log(f"{run}: building the dataset ({args.learners} learners × {args.cards} cards)")
    dataset, sessions = prepare_app(env, learners=args.learners, cards=args.cards, work_dir=work)
    chaos_pool = Pool(args.learners - args.chaos_learners, args.learners)
    ramp_pool = Pool(0, chaos_pool.first)
    try:
        with (
            Gunicorn(env, port=args.port, workers=args.workers, log=work / "gunicorn.log") as app,
            CohortRefresher(env, every=REFRESH_SECONDS, log=work / "refresher.log") as refresher,
        ):
            app.wait_ready()
            log(f"{run}: chaos, {args.chaos_seconds} s, a worker killed every {args.kill_every} s")
            chaos = chaos_run(
                app,
                env,
                sessions=sessions,
                pool=chaos_pool,
                users=args.chaos_learners * 4 // 5,
                seconds=args.chaos_seconds,
                every=args.kill_every,
                prefix=work / "chaos",
            )
            log(f"{run}: chaos: {report.chaos_line(chaos.as_dict())}")
            log(f"{run}: capacity ramp (p95 ≤ {args.p95_limit:.0f} ms, no failed request)")
            capacity = capacity_run(
                app.url,
                env,
                sessions=sessions,
                pool=ramp_pool,
                ramp=_ramp(args, learners=ramp_pool.size),
                prefix=work / "capacity",
                servers=[app, refresher],
                database_name=_database_name(database),
            )
            peak = app.worker_peak_mb()
    finally:
        if database.vendor == "postgresql" and not args.keep_database:
            drop_postgres(database)
    return _result(
        run,
        database,
        args,
        instances=1,
        load_average_before=load_before,
        dataset=dataset,
        chaos=chaos.as_dict(),
        capacity=capacity,
        worker_peak_rss_mb=peak,
    )


def scaleout_run(args: argparse.Namespace, work: Path) -> dict:
    """Two instances behind HAProxy, one PostgreSQL, sessions and cache in Redis."""
    database = fresh_postgres(args.postgres_url)
    prefix = cache_prefix()
    env = app_environment(database, redis_url=args.redis_url, cache_prefix=prefix)
    load_before = os.getloadavg()
    log(f"scaleout: building the dataset; sessions and cache in Redis ({args.redis_url})")
    dataset, sessions = prepare_app(env, learners=args.learners, cards=args.cards, work_dir=work)
    ramp_pool = Pool(0, args.learners - DUPLICATE_LEARNERS)
    one, two = args.port + 1, args.port + 2
    try:
        with (
            Gunicorn(env, port=one, workers=args.workers, log=work / "gunicorn-1.log") as first,
            Gunicorn(env, port=two, workers=args.workers, log=work / "gunicorn-2.log") as second,
            HAProxy(port=args.port + 10, backends=[one, two], log=work / "haproxy.log") as proxy,
            CohortRefresher(env, every=REFRESH_SECONDS, log=work / "refresher.log") as refresher,
        ):
            first.wait_ready()
            second.wait_ready()
            proxy.wait_ready()
            duplicates = duplicates_check(
                [first.url, second.url],
                env,
                sessions_file=sessions,
                count=DUPLICATE_LEARNERS,
                work=work,
            )
            log(f"scaleout: duplicated answers: {report.duplicates_line(duplicates)}")
            log("scaleout: capacity ramp through HAProxy")
            capacity = capacity_run(
                proxy.url,
                env,
                sessions=sessions,
                pool=ramp_pool,
                ramp=_ramp(args, learners=ramp_pool.size),
                prefix=work / "capacity",
                servers=[first, second, refresher],
                database_name=database.name,
            )
            peak = max(first.worker_peak_mb(), second.worker_peak_mb())
        in_redis = redis_keys(args.redis_url, prefix, delete=True)
    finally:
        if not args.keep_database:
            drop_postgres(database)
    return _result(
        "scaleout",
        database,
        args,
        instances=2,
        load_average_before=load_before,
        dataset=dataset,
        duplicates=duplicates,
        capacity=capacity,
        worker_peak_rss_mb=peak,
        redis_keys=in_redis,
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # A stopped bench stops what it started: SystemExit runs every context manager on the way out
    # (gunicorn and HAProxy run in process groups of their own, out of reach of the signal).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if {"postgresql", "scaleout"} & set(args.runs):
        problem = postgres_problem(args.postgres_url)
        if problem:
            log(f"{problem} (set BENCH_POSTGRES_URL, or --runs sqlite)")
            return 1
    started = time.monotonic()
    for run in args.runs:
        work = WORK_DIR / run
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        began = time.monotonic()
        result = scaleout_run(args, work) if run == "scaleout" else single_run(run, args, work)
        result["seconds"] = round(time.monotonic() - began, 1)
        path = report.save(result)
        log(f"{run}: {report.capacity_line(result)} ({path.name}, {result['seconds']:.0f} s)")
    results = report.load_latest()
    print()
    print(report.summary(results))
    if not args.no_readme:
        report.update_readme(results)
        log("README.md: bench table rewritten from bench/results/latest-*.json")
    log(f"done in {time.monotonic() - started:.0f} s")
    return 0 if report.all_clean(results) else 1


if __name__ == "__main__":
    sys.exit(main())
