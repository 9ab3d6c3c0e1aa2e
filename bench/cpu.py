"""Where a run's CPU time goes: the app's workers, PostgreSQL's backends of the run's database, and
the load generator itself. On a shared machine this tells "the app needed more than the cores
give" apart from "other work on the machine took the cores".
"""

from __future__ import annotations

import psutil


def _seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def app_processes(masters: list[int]) -> list[psutil.Process]:
    """gunicorn masters and their workers."""
    found = []
    for pid in masters:
        try:
            master = psutil.Process(pid)
            found += [master, *master.children(recursive=True)]
        except psutil.Error:
            continue
    return found


def database_processes(database: str) -> list[psutil.Process]:
    """PostgreSQL backends serving `database` (their title names it)."""
    if not database:
        return []
    found = []
    for process in psutil.process_iter(["cmdline"]):
        title = " ".join(process.info["cmdline"] or [])
        if title.startswith("postgres:") and f" {database} " in f"{title} ":
            found.append(process)
    return found


def sample(groups: dict[str, list[psutil.Process]]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process, by group."""
    taken = {}
    for group, processes in groups.items():
        taken[group] = {}
        for process in processes:
            try:
                taken[group][process.pid] = _seconds(process)
            except psutil.Error:
                continue
    return taken


def used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict:
    """CPU seconds each group used between two samples (a process started since counts whole)."""
    return {
        group: round(
            sum(seconds - before.get(group, {}).get(pid, 0.0) for pid, seconds in pids.items()), 2
        )
        for group, pids in after.items()
    }


class Meter:
    """CPU used by the app, the database and this process over a measured window."""

    def __init__(self, *, masters: list[int], database: str) -> None:
        self.masters, self.database = masters, database
        self.me = psutil.Process()
        self.before: dict = {}

    def groups(self) -> dict[str, list[psutil.Process]]:
        return {
            "app": app_processes(self.masters),
            "database": database_processes(self.database),
            "load_generator": [self.me],
        }

    def start(self) -> None:
        self.before = sample(self.groups())

    def stop(self, *, seconds: float) -> dict:
        """CPU seconds per group, and the cores they kept busy on average over `seconds`."""
        spent = used(self.before, sample(self.groups()))
        spent["cores_busy"] = round(sum(spent.values()) / seconds, 2) if seconds else 0.0
        return spent
