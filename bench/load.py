"""Running locust for `make bench`: a paced run of a fixed number of learners, or the capacity
ramp (bench/ramp.py); each returns what it measured, and the answers that got a 2xx."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.server import BASE_DIR

LOCUSTFILE = BASE_DIR / "bench" / "locustfile.py"
RAMP = BASE_DIR / "bench" / "ramp.py"


@dataclass(frozen=True)
class Pool:
    """Which of the dataset's learners a run may study as (indexes into the sessions file)."""

    first: int
    last: int

    def __str__(self) -> str:
        return f"{self.first}:{self.last}"

    @property
    def size(self) -> int:
        return self.last - self.first


@dataclass(frozen=True)
class Ramp:
    start: int = 100
    step: int = 100
    max: int = 900
    hold: float = 40
    settle: float = 12
    spawn_rate: float = 25
    p95_limit_ms: float = 100


def _environment(*, sessions: Path, pool: Pool, tokens: Path, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(BENCH_SESSIONS=str(sessions), BENCH_LEARNERS=str(pool), BENCH_TOKENS=str(tokens))
    env.update(extra or {})
    return env


def _locust(files: list[Path], *, host: str, env: dict, log: Path, options: list[str]) -> None:
    command = [
        *(sys.executable, "-m", "locust", "-f", ",".join(str(path) for path in files)),
        *("--headless", "--host", host, "--loglevel", "WARNING", "--stop-timeout", "10"),
        *options,
    ]
    with open(log, "w", encoding="utf-8") as output:
        subprocess.run(command, cwd=BASE_DIR, env=env, stdout=output, stderr=output, check=False)


def _number(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "", "N/A") else 0.0
    except ValueError:
        return 0.0


def read_stats(path: Path) -> dict[str, dict]:
    """locust's CSV statistics: request name (and "Aggregated") → counts and percentiles."""
    with open(path, encoding="utf-8") as handle:
        return {
            row["Name"]: {
                "requests": int(_number(row["Request Count"])),
                "failures": int(_number(row["Failure Count"])),
                "per_second": round(_number(row["Requests/s"]), 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
            }
            for row in csv.DictReader(handle)
        }


def read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


def paced_run(
    *, host: str, sessions: Path, pool: Pool, users: int, seconds: int, prefix: Path
) -> dict:
    """`users` paced learners (and the instructors) for `seconds`; statistics by request name."""
    tokens = Path(f"{prefix}-tokens.txt")
    tokens.unlink(missing_ok=True)
    env = _environment(sessions=sessions, pool=pool, tokens=tokens)
    spawn_rate = max(1, users // 4)
    _locust(
        [LOCUSTFILE],
        host=host,
        env=env,
        log=Path(f"{prefix}.log"),
        options=[
            *("--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s"),
            *("--csv", str(prefix), "--only-summary", "PacedLearner", "PacedInstructor"),
        ],
    )
    return {"stats": read_stats(Path(f"{prefix}_stats.csv")), "tokens": read_lines(tokens)}


def capacity_ramp(
    *,
    host: str,
    sessions: Path,
    pool: Pool,
    ramp: Ramp,
    prefix: Path,
    server_pids: list[int] = (),
    database_name: str = "",
) -> dict:
    """The ramp until a step misses p95 ≤ limit with no failure; every step's figures."""
    tokens, steps = Path(f"{prefix}-tokens.txt"), Path(f"{prefix}-steps.jsonl")
    tokens.unlink(missing_ok=True)
    steps.unlink(missing_ok=True)
    env = _environment(
        sessions=sessions,
        pool=pool,
        tokens=tokens,
        extra={
            "BENCH_STEPS": str(steps),
            "BENCH_RAMP_START": str(ramp.start),
            "BENCH_RAMP_STEP": str(ramp.step),
            "BENCH_RAMP_MAX": str(min(ramp.max, pool.size)),
            "BENCH_RAMP_HOLD": str(ramp.hold),
            "BENCH_RAMP_SETTLE": str(ramp.settle),
            "BENCH_SPAWN_RATE": str(ramp.spawn_rate),
            "BENCH_P95_LIMIT_MS": str(ramp.p95_limit_ms),
            "BENCH_SERVER_PIDS": ",".join(str(pid) for pid in server_pids),
            "BENCH_DATABASE_NAME": database_name,
        },
    )
    _locust([LOCUSTFILE, RAMP], host=host, env=env, log=Path(f"{prefix}.log"), options=[])
    return {
        "steps": [json.loads(line) for line in read_lines(steps)],
        "tokens": read_lines(tokens),
    }


# Paced learners open the review page only when they start or their queue has run out; more than
# this share of requests means learners are running out of due cards and no longer keep the pace.
DRY_SHARE = 0.05


def ran_dry(step: dict) -> bool:
    """Whether the step's learners ran out of due cards (so it was lighter than its count says)."""
    reviews = step["endpoints"].get("GET /review/", {}).get("requests", 0)
    return bool(step["requests"]) and reviews > DRY_SHARE * step["requests"]


def counted(step: dict) -> bool:
    """A step that met both goals at the intended pace."""
    return step["held"] and not ran_dry(step)


def learners_held(steps: list[dict]) -> int:
    """The learners of the last step that met both goals at the intended pace (0 when the first
    did not); the ramp ends at the first step that did not."""
    held = 0
    for step in steps:
        if not counted(step):
            break
        held = step["learners"]
    return held
