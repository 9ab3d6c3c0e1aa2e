"""Capacity: how many paced learners one setup holds with p95 ≤ 100 ms and no failed request.

The ramp (bench/ramp.py) adds learners in steps until a step misses either goal; learners held is
the last step that met both. Afterwards every answer accepted during the ramp is looked up in the
log, as after the chaos run.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.load import Pool, Ramp, capacity_ramp, counted, learners_held, ran_dry
from bench.server import Child, wait_until_idle
from bench.verify import verify_tokens


def capacity_run(
    host: str,
    env: dict,
    *,
    sessions: Path,
    pool: Pool,
    ramp: Ramp,
    prefix: Path,
    servers: list[Child],
    database_name: str = "",
) -> dict:
    """Ramp through `host` (one instance, or HAProxy in front of the instances); `servers` are
    the processes whose CPU time the ramp counts as the app's (instances and the refresher)."""
    run = capacity_ramp(
        host=host,
        sessions=sessions,
        pool=pool,
        ramp=ramp,
        prefix=prefix,
        server_pids=[server.process.pid for server in servers],
        database_name=database_name,
    )
    wait_until_idle(f"{host}/healthz")
    checked = verify_tokens(env, run["tokens"], path=Path(f"{prefix}-accepted.txt"))
    return {
        **summary(run["steps"], p95_limit_ms=ramp.p95_limit_ms),
        "answers_accepted": checked["answers"],
        "answers_lost": checked["missing"],
    }


def summary(steps: list[dict], *, p95_limit_ms: float) -> dict:
    """Learners held and the figures around it, from the ramp's steps."""
    held = learners_held(steps)
    held_step = next((step for step in steps if step["learners"] == held), None)
    ended = next((step for step in steps if not counted(step)), None)
    return {
        "learners_held": held,
        "p95_limit_ms": p95_limit_ms,
        # Every step counted: the ramp ended because the pool had no more learners to add.
        "pool_limit_reached": bool(steps) and ended is None,
        "at_held_step": _brief(held_step),
        "next_step": _brief(ended),
        "steps": steps,
        "cpu_bound_learners": cpu_bound_learners(held_step or (steps[0] if steps else None)),
    }


def cpu_bound_learners(step: dict | None, cores: int | None = None) -> int | None:
    """How many learners the machine's cores could serve if they did nothing else: the CPU time
    per learner measured at `step` (app, database and load generator together) into all cores.
    An upper bound, not a measurement: latency grows long before the cores are all busy. On a
    shared machine it separates what this app costs from what other work on the machine took."""
    cpu = (step or {}).get("cpu_seconds") or {}
    if not cpu.get("cores_busy"):
        return None
    per_learner = cpu["cores_busy"] / step["learners"]
    return int((cores or os.cpu_count() or 1) / per_learner)


def _brief(step: dict | None) -> dict | None:
    """The figures the report shows of one step."""
    if step is None:
        return None
    answers = step["endpoints"].get("POST /review/answer/", {})
    return {
        "learners": step["learners"],
        "requests_per_second": step["per_second"],
        "answers_per_second": answers.get("per_second", 0),
        "p50_ms": step["p50_ms"],
        "p95_ms": step["p95_ms"],
        "failures": step["failures"],
        "ran_dry": ran_dry(step),
        "load_average": step.get("load_average"),
        "cpu_seconds": step.get("cpu_seconds"),
        "endpoints": {
            name: {key: figures[key] for key in ("per_second", "p50_ms", "p95_ms")}
            for name, figures in step["endpoints"].items()
        },
    }
