"""Results of `make bench`: the latest JSON per run, the printed summary and the README's table.

The repository keeps one result per run (bench/results/latest-<run>.json); `make bench` rewrites
the README's table, between its two markers, from those files, so the table always shows the
latest measurement of each run and nothing else in the README changes. `python -m bench.report`
rewrites the table from the files without measuring again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.capacity import cpu_bound_learners

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
README = BASE_DIR / "README.md"
START_MARKER = "<!-- bench-table:start (written by make bench; edit bench/report.py) -->"
END_MARKER = "<!-- bench-table:end -->"
RUN_ORDER = ("sqlite", "postgresql", "scaleout")
RUN_NAMES = {
    "sqlite": "SQLite, 1 instance",
    "postgresql": "PostgreSQL, 1 instance",
    "scaleout": "PostgreSQL, 2 instances + HAProxy + Redis",
}
# Learners each setup should hold on these 2 cores (issue 16); none set for the scale-out run.
GOALS = {"sqlite": 500, "postgresql": 400}
COLUMNS = (
    "run",
    "learners held (goal)",
    "at that step: req/s · answers/s · p50 / p95 ms",
    "next step",
    "CPU per learner · learners all cores could serve",
    "exactly once: accepted answers · lost · replay",
    "dataset: build · peak memory",
)


def save(result: dict, directory: Path = RESULTS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"latest-{result['run']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return path


def load_latest(directory: Path = RESULTS_DIR) -> dict[str, dict]:
    """run → its latest result, in the table's order."""
    found = {}
    for run in RUN_ORDER:
        path = directory / f"latest-{run}.json"
        if path.exists():
            found[run] = json.loads(path.read_text(encoding="utf-8"))
    return found


def chaos_line(chaos: dict) -> str:
    replay = "clean" if chaos["replay_clean"] else f"NOT clean ({chaos['replay_summary']})"
    return (
        f"{chaos['workers_killed']} workers killed in {chaos['seconds']} s "
        f"({chaos['killed_mid_request']} mid-request), "
        f"{chaos['answers_accepted']} answers accepted, {chaos['answers_lost']} lost, "
        f"rebuild_memory --check {replay}"
    )


def duplicates_line(duplicates: dict) -> str:
    verdict = "recorded once" if duplicates["recorded_once"] else "NOT recorded once"
    return (
        f"{duplicates['answers']} answers sent {duplicates['copies_each']} times each across both "
        f"instances → {duplicates['rows_recorded']} log rows, statuses {duplicates['statuses']}: "
        f"{verdict}"
    )


def _step(step: dict | None) -> str:
    if not step:
        return "–"
    return (
        f"{step['requests_per_second']:.0f} · {step['answers_per_second']:.0f} · "
        f"{step['p50_ms']:.0f} / {step['p95_ms']:.0f}"
    )


def _next_step(capacity: dict) -> str:
    step = capacity.get("next_step")
    if step is None:
        return "none: the learner pool ran out" if capacity.get("pool_limit_reached") else "–"
    if step["failures"]:
        why = f"{step['failures']} failed"
    elif step["p95_ms"] > capacity["p95_limit_ms"]:
        why = f"p95 {step['p95_ms']:.0f} ms"
    else:
        why = f"p95 {step['p95_ms']:.0f} ms, but the learners ran out of due cards"
    return f"{step['learners']}: {why}"


def capacity_line(result: dict) -> str:
    capacity = result["capacity"]
    return (
        f"learners held {capacity['learners_held']} (req/s · answers/s · p50 / p95 ms: "
        f"{_step(capacity['at_held_step'])}); next step {_next_step(capacity)}"
    )


def _cpu_ceiling(result: dict) -> str:
    """CPU time one learner costs (ms per second of studying) and the learners all the cores
    could serve at that cost if nothing else ran (bench.capacity.cpu_bound_learners)."""
    capacity = result["capacity"]
    bound = capacity.get("cpu_bound_learners")
    if bound is None and capacity.get("steps"):  # a result written before the field existed
        step = capacity["at_held_step"] or capacity["steps"][0]
        bound = cpu_bound_learners(step, cores=result["cores"])
    if not bound:
        return "–"
    return f"{result['cores'] * 1000 / bound:.1f} ms/s · ≈ {bound}"


def _exactly_once(result: dict) -> str:
    chaos, duplicates = result.get("chaos"), result.get("duplicates")
    if chaos:
        replay = "clean" if chaos["replay_clean"] else "NOT clean"
        return (
            f"chaos ({chaos['workers_killed']} workers killed): {chaos['answers_accepted']} · "
            f"{chaos['answers_lost']} · {replay}"
        )
    if duplicates:
        return (
            f"{duplicates['answers']} answers × {duplicates['copies_each']} copies on 2 "
            f"instances → {duplicates['rows_recorded']} rows"
        )
    return "–"


def table_rows(results: dict[str, dict]) -> list[list[str]]:
    rows = []
    for run, result in results.items():
        capacity, dataset = result["capacity"], result["dataset"]
        goal = f" (≥ {GOALS[run]})" if run in GOALS else ""
        rows.append(
            [
                RUN_NAMES.get(run, run),
                f"**{capacity['learners_held']}**{goal}",
                _step(capacity["at_held_step"]),
                _next_step(capacity),
                _cpu_ceiling(result),
                _exactly_once(result),
                f"{dataset['seconds']:.0f} s · {dataset['peak_rss_mb']:.0f} MB",
            ]
        )
    return rows


def endpoint_table(results: dict[str, dict]) -> list[str]:
    """Per request: p50 / p95 ms at each run's held step (what a learner waits at that load)."""
    steps = {run: r["capacity"]["at_held_step"] or {} for run, r in results.items()}
    names = sorted({name for step in steps.values() for name in step.get("endpoints", {})})
    header = ["request (p50 / p95 ms at the held step)", *(RUN_NAMES[run] for run in steps)]
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    for name in names:
        cells = []
        for step in steps.values():
            figures = step.get("endpoints", {}).get(name)
            if figures and figures["per_second"]:
                cells.append(f"{figures['p50_ms']:.0f} / {figures['p95_ms']:.0f}")
            else:
                cells.append("–")
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return lines


def _load_during(capacity: dict) -> str:
    """The machine's load while the held step was measured (2 cores: above 2, others waited)."""
    step = capacity.get("at_held_step") or capacity.get("next_step")
    if not step or step.get("load_average") is None:
        return ""
    note = f" and {step['load_average']:.1f} during the step shown"
    cpu = step.get("cpu_seconds")
    if cpu:
        note += f", when this run's processes kept {cpu['cores_busy']:.1f} cores busy"
    return note


def render_table(results: dict[str, dict]) -> str:
    lines = [f"| {' | '.join(COLUMNS)} |", f"|{'---|' * len(COLUMNS)}"]
    lines += [f"| {' | '.join(row)} |" for row in table_rows(results)]
    if any(r["capacity"]["at_held_step"] for r in results.values()):
        lines += ["", *endpoint_table(results)]
    notes = [
        f"- {RUN_NAMES.get(run, run)}: {result['when'][:10]}, {result['seconds'] / 60:.0f} min, "
        f"load average {result['load_average_before'][0]:.1f} before the run"
        + _load_during(result["capacity"])
        for run, result in results.items()
    ]
    if results:
        first = next(iter(results.values()))
        lines.append("")
        lines.append(
            f"{first['cores']} cores shared with the load generator; "
            f"{first['workers_per_instance']} gunicorn sync workers per instance; "
            f"{first['learners']:,} learners × {first['cards']} cards. The machine's load while "
            "measuring (2 cores: a load above 2 means work waited for a core):"
        )
        lines += ["", *notes]
    return "\n".join(lines)


def replace_table(text: str, table: str) -> str:
    """`text` with everything between the markers replaced by `table`."""
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start < 0 or end < start:
        raise ValueError("README.md has no bench table markers")
    return f"{text[: start + len(START_MARKER)]}\n{table}\n{text[end:]}"


def read_table(text: str) -> list[dict[str, str]]:
    """The table between the markers, as rows of column → cell."""
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    lines = text[start + len(START_MARKER) : end].strip().splitlines()
    cells = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    rows = [row for row in cells if len(row) == len(COLUMNS) and not row[0].startswith("---")]
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


def update_readme(results: dict[str, dict], path: Path = README) -> None:
    path.write_text(replace_table(path.read_text(encoding="utf-8"), render_table(results)))


def all_clean(results: dict[str, dict]) -> bool:
    """Nothing lost, replay clean, duplicates recorded once, in every run."""
    for result in results.values():
        chaos, duplicates = result.get("chaos"), result.get("duplicates")
        if chaos and (chaos["answers_lost"] or not chaos["replay_clean"]):
            return False
        if duplicates and not duplicates["recorded_once"]:
            return False
        if result["capacity"]["answers_lost"]:
            return False
    return True


def summary(results: dict[str, dict]) -> str:
    lines = ["BoneLearn benchmark (latest result of each run)"]
    for run, result in results.items():
        lines.append(f"  {RUN_NAMES.get(run, run)}")
        if result.get("chaos"):
            lines.append(f"    chaos: {chaos_line(result['chaos'])}")
        if result.get("duplicates"):
            lines.append(f"    duplicates: {duplicates_line(result['duplicates'])}")
        lines.append(f"    capacity: {capacity_line(result)}")
        goal = GOALS.get(run)
        if goal:
            met = result["capacity"]["learners_held"] >= goal
            lines.append(f"    [{'ok' if met else 'MISSED'}] goal: at least {goal} learners")
    return "\n".join(lines)


if __name__ == "__main__":
    update_readme(load_latest())
    sys.exit(0)
