"""The capacity ramp's steps, driven by a clock and locust's own statistics object."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from locust.stats import RequestStats

from bench import cpu, ramp


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shape(tmp_path, monkeypatch):
    monkeypatch.setattr(ramp, "STEPS_FILE", str(tmp_path / "steps.jsonl"))
    shape = ramp.LearnerRamp()
    shape.runner = SimpleNamespace(stats=RequestStats(), user_count=0, current_cpu_usage=12.0)
    shape.get_run_time = Clock()
    return shape


def run_step(shape, *, response_ms: float, failures: int = 0, during_settle: int = 0):
    """One step: its learners arrive and settle, then answer for the hold time."""
    stats, clock = shape.runner.stats, shape.get_run_time
    arrive = clock.now + -(-shape.added // ramp.SPAWN_RATE) + ramp.SETTLE
    for _ in range(during_settle):
        stats.log_error("POST", "POST /review/answer/", "connection reset")
    ticks = []
    while clock.now < arrive:
        ticks.append(shape.tick())
        clock.now += 1
    ticks.append(shape.tick())  # statistics reset: the measured window starts
    for _ in range(40):
        stats.log_request("POST", "POST /review/answer/", response_ms, 900)
    for _ in range(failures):
        stats.log_error("POST", "POST /review/answer/", "status 500")
    clock.now += ramp.HOLD
    ticks.append(shape.tick())
    return ticks


def steps_written(shape) -> list[dict]:
    with open(ramp.STEPS_FILE, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_steps_go_up_while_held_and_stop_at_the_first_miss(shape):
    first = run_step(shape, response_ms=30)
    assert first[0] == (ramp.START + ramp.INSTRUCTORS, ramp.SPAWN_RATE)
    assert first[-1] == (ramp.START + ramp.STEP + ramp.INSTRUCTORS, ramp.SPAWN_RATE)
    assert run_step(shape, response_ms=ramp.P95_LIMIT_MS)[-1][0] == ramp.START + 2 * ramp.STEP + 3
    assert run_step(shape, response_ms=ramp.P95_LIMIT_MS + 20)[-1] is None
    steps = steps_written(shape)
    assert [(s["learners"], s["held"]) for s in steps] == [
        (ramp.START, True),
        (ramp.START + ramp.STEP, True),
        (ramp.START + 2 * ramp.STEP, False),
    ]
    assert steps[0]["requests"] == 40  # what was measured before the reset is not counted
    assert steps[0]["endpoints"]["POST /review/answer/"]["p95_ms"] == 30


def test_a_failed_request_ends_the_ramp_even_while_learners_settle(shape):
    assert run_step(shape, response_ms=20, during_settle=1)[-1] is None
    assert steps_written(shape)[0]["failures"] == 1
    assert not steps_written(shape)[0]["held"]


def test_a_failure_in_the_measured_window_ends_it_too(shape):
    assert run_step(shape, response_ms=20, failures=1)[-1] is None


def test_the_ramp_stops_at_the_learner_pool(shape, monkeypatch):
    monkeypatch.setattr(ramp, "MAX", ramp.START + ramp.STEP)
    run_step(shape, response_ms=20)
    assert run_step(shape, response_ms=20)[-1] is None
    assert all(s["held"] for s in steps_written(shape))


def test_importing_locust_here_left_sockets_and_threads_alone():
    from gevent import monkey

    assert not monkey.is_module_patched("socket")
    assert not monkey.is_module_patched("threading")


def test_each_step_says_whose_cpu_time_it_was(shape):
    run_step(shape, response_ms=20)
    cpu = steps_written(shape)[0]["cpu_seconds"]
    assert set(cpu) == {"app", "database", "load_generator", "cores_busy"}
    assert cpu["app"] == cpu["database"] == 0  # no server named: nothing counted for it
    assert cpu["load_generator"] >= 0


def test_cpu_used_counts_a_process_started_meanwhile_whole():
    before = {"app": {10: 1.5, 11: 2.0}, "database": {}}
    after = {"app": {10: 2.0, 11: 2.25, 12: 0.5}, "database": {20: 1.0}}
    assert cpu.used(before, after) == {"app": 1.25, "database": 1.0}


def test_only_the_runs_database_backends_count():
    mine = cpu.database_processes("no_such_database_for_bench_tests")
    assert mine == []


def test_the_cpu_ceiling_divides_the_cores_by_what_one_learner_costs():
    from bench.capacity import cpu_bound_learners

    step = {"learners": 200, "cpu_seconds": {"cores_busy": 0.5}}
    assert cpu_bound_learners(step, cores=2) == 800
    assert cpu_bound_learners({"learners": 100, "cpu_seconds": {}}, cores=2) is None
    assert cpu_bound_learners(None) is None
