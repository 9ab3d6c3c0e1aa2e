"""Chaos: `kill -9` a random gunicorn worker every few seconds during a paced run, then check that
nothing the server accepted was lost and that the memory states still replay from the log.

The worker is drawn among those serving a request at that moment when there are any, so that
kills land mid-answer (between the log insert and the state update, or before the commit) rather
than mostly on idle workers.

A killed worker drops the request it was serving; gunicorn starts a new worker. The load
generator resends a GET whose connection broke (RFC 9110 lets clients retry idempotent requests),
so a killed GET shows as a slow one; a killed POST shows as a failed request, expected here.
Every answer that got a 2xx must have its review-log row, and `manage.py rebuild_memory --check`
must find no state that differs from a replay of the log (a half-written answer would show as
one).
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.load import Pool, paced_run
from bench.server import Gunicorn, wait_until_idle
from bench.verify import replay_check, verify_tokens


@dataclass
class ChaosResult:
    seconds: int
    learners: int
    kill_every_seconds: float
    workers_killed: int
    killed_mid_request: int
    requests: int
    failed_requests: int  # mostly the connections of killed workers
    answers_accepted: int  # answers that got a 2xx
    answers_lost: int  # of those, without a review-log row
    replay_clean: bool  # manage.py rebuild_memory --check exit status 0
    replay_summary: str
    replay_seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


class WorkerKiller(threading.Thread):
    """Kills a random worker of `server` every `every` seconds until stopped."""

    def __init__(self, server: Gunicorn, *, every: float, seed: int = 16) -> None:
        super().__init__(daemon=True)
        self.server, self.every = server, every
        self.rng = random.Random(seed)
        self.killed: list[tuple[int, bool]] = []  # (pid, was serving a request)
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            killed = self.server.kill_worker(self.rng)
            if killed is not None:
                self.killed.append(killed)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def chaos_run(
    server: Gunicorn,
    env: dict,
    *,
    sessions: Path,
    pool: Pool,
    users: int,
    seconds: int,
    every: float,
    prefix: Path,
) -> ChaosResult:
    killer = WorkerKiller(server, every=every)
    killer.start()
    try:
        run = paced_run(
            host=server.url,
            sessions=sessions,
            pool=pool,
            users=users,
            seconds=seconds,
            prefix=prefix,
        )
    finally:
        killer.stop()
    server.wait_ready()
    wait_until_idle(f"{server.url}/healthz")
    tokens = run["tokens"]
    checked = verify_tokens(env, tokens, path=Path(f"{prefix}-accepted.txt"))
    clean, summary, replay_seconds = replay_check(env)
    total = run["stats"].get("Aggregated", {})
    return ChaosResult(
        seconds=seconds,
        learners=users,
        kill_every_seconds=every,
        workers_killed=len(killer.killed),
        killed_mid_request=sum(serving for _, serving in killer.killed),
        requests=total.get("requests", 0),
        failed_requests=total.get("failures", 0),
        answers_accepted=checked["answers"],
        answers_lost=checked["missing"],
        replay_clean=clean,
        replay_summary=summary,
        replay_seconds=replay_seconds,
    )
