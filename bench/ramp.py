"""The capacity ramp: paced learners added in steps until a step misses the latency goal.

Loaded next to the users (`locust -f bench/locustfile.py,bench/ramp.py`). Each step adds
BENCH_RAMP_STEP learners, lets them arrive and settle, then measures BENCH_RAMP_HOLD seconds; it
is held when its p95 is at most BENCH_P95_LIMIT_MS and no request failed (settling included).
Each step also records the CPU time the app, the database and the load generator used, and the
machine's load average: on a shared machine, whether the cores went to this run or to others.
The ramp stops after the first step that is not held, or at BENCH_RAMP_MAX learners. One JSON line
per step goes to BENCH_STEPS.
"""

from __future__ import annotations

import json
import math
import os

from locust import LoadTestShape

from bench.cpu import Meter
from bench.load import counted, ran_dry

START = int(os.environ.get("BENCH_RAMP_START", "100"))
STEP = int(os.environ.get("BENCH_RAMP_STEP", "100"))
MAX = int(os.environ.get("BENCH_RAMP_MAX", "1000"))
HOLD = float(os.environ.get("BENCH_RAMP_HOLD", "45"))
SPAWN_RATE = float(os.environ.get("BENCH_SPAWN_RATE", "25"))
# After the last learner of a step arrives: one pause between cards (6-10 s) and a little more.
SETTLE = float(os.environ.get("BENCH_RAMP_SETTLE", "12"))
P95_LIMIT_MS = float(os.environ.get("BENCH_P95_LIMIT_MS", "100"))
INSTRUCTORS = int(os.environ.get("BENCH_INSTRUCTORS", "3"))
STEPS_FILE = os.environ.get("BENCH_STEPS", os.devnull)
# Whose CPU time each step reports: the gunicorn masters (and their workers) and the database.
SERVER_PIDS = [int(pid) for pid in os.environ.get("BENCH_SERVER_PIDS", "").split(",") if pid]
DATABASE_NAME = os.environ.get("BENCH_DATABASE_NAME", "")


def step_summary(stats, *, seconds: float) -> dict:
    """Requests, failures and percentiles of a measured window, in total and per request name."""
    endpoints = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "per_second": round(entry.num_requests / seconds, 2),
        }
        for (name, _method), entry in sorted(stats.entries.items())
    }
    total = stats.total
    return {
        "seconds": round(seconds, 1),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "per_second": round(total.num_requests / seconds, 1),
        "p50_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "endpoints": endpoints,
    }


class LearnerRamp(LoadTestShape):
    def __init__(self) -> None:
        super().__init__()
        self.learners = self.added = START
        self.step_started = 0.0
        self.measuring_since: float | None = None
        self.settle_failures = 0
        self.meter = Meter(masters=SERVER_PIDS, database=DATABASE_NAME)

    def tick(self) -> tuple[int, float] | None:
        now = self.get_run_time()
        arrived = self.step_started + math.ceil(self.added / SPAWN_RATE) + SETTLE
        if self.measuring_since is None and now >= arrived:
            self.settle_failures = self.runner.stats.total.num_failures
            self.runner.stats.reset_all()
            self.meter.start()
            self.measuring_since = now
        elif self.measuring_since is not None and now >= self.measuring_since + HOLD:
            held = self.record(seconds=now - self.measuring_since)
            if not held or self.learners + STEP > MAX:
                return None
            self.learners += STEP
            self.added = STEP
            self.step_started, self.measuring_since = now, None
        return self.learners + INSTRUCTORS, SPAWN_RATE

    def record(self, *, seconds: float) -> bool:
        """Write the step's line; whether the step was held."""
        summary = step_summary(self.runner.stats, seconds=seconds)
        summary["failures"] += self.settle_failures
        summary.update(
            learners=self.learners,
            users=self.runner.user_count,
            cpu_seconds=self.meter.stop(seconds=seconds),
            load_average=round(os.getloadavg()[0], 2),
        )
        summary["held"] = summary["failures"] == 0 and summary["p95_ms"] <= P95_LIMIT_MS
        summary["ran_dry"] = ran_dry(summary)
        with open(STEPS_FILE, "a", encoding="utf-8") as steps:
            steps.write(json.dumps(summary) + "\n")
        print(
            f"[ramp] {self.learners} learners: {summary['per_second']} req/s, "
            f"p50 {summary['p50_ms']:.0f} ms, p95 {summary['p95_ms']:.0f} ms, "
            f"{summary['failures']} failed -> {'held' if summary['held'] else 'not held'}"
            + (" (learners ran out of due cards)" if summary["ran_dry"] else ""),
            flush=True,
        )
        return counted(summary)
