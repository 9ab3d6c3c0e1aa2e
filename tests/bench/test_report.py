"""Results → README table: the table is rewritten between its markers from the latest result of
each run, reads back to the same figures, and nothing else in the README changes."""

from __future__ import annotations

import pytest

from bench import report
from bench.capacity import summary
from bench.load import learners_held


def step(
    learners: int, *, p95: float, failures: int = 0, limit: float = 100, reviews: int = 2
) -> dict:
    return {
        "learners": learners,
        "per_second": learners / 7,
        "p50_ms": p95 / 3,
        "p95_ms": p95,
        "failures": failures,
        "requests": learners * 6,
        "load_average": 1.5,
        "endpoints": {
            "POST /review/answer/": {
                "per_second": learners / 9,
                "requests": learners * 4,
                "p50_ms": 12,
                "p95_ms": 31,
            },
            "GET /review/": {"per_second": 0.1, "requests": reviews, "p50_ms": 9, "p95_ms": 9},
        },
        "held": failures == 0 and p95 <= limit,
    }


def result(run: str, steps: list[dict], **parts) -> dict:
    held = learners_held(steps)
    brief = {
        s["learners"]: {
            "learners": s["learners"],
            "requests_per_second": s["per_second"],
            "answers_per_second": s["endpoints"]["POST /review/answer/"]["per_second"],
            "p50_ms": s["p50_ms"],
            "p95_ms": s["p95_ms"],
            "failures": s["failures"],
            "load_average": s["load_average"],
            "cpu_seconds": {"app": 40.0, "database": 0, "load_generator": 6.0, "cores_busy": 1.15},
            "endpoints": {"POST /review/answer/": {"per_second": 9, "p50_ms": 12, "p95_ms": 31}},
        }
        for s in steps
    }
    missed = next((s for s in steps if not s["held"]), None)
    return {
        "run": run,
        "database": "sqlite" if run == "sqlite" else "postgresql",
        "when": "2026-11-30T12:00:00Z",
        "cores": 2,
        "workers_per_instance": 5,
        "learners": 1000,
        "cards": 300,
        "seconds": 600.0,
        "load_average_before": [0.4, 0.5, 0.6],
        "dataset": {"seconds": 38.2, "peak_rss_mb": 120.4},
        "capacity": {
            "learners_held": held,
            "at_held_step": brief.get(held),
            "next_step": brief[missed["learners"]] if missed else None,
            "pool_limit_reached": missed is None,
            "p95_limit_ms": 100,
            "answers_lost": 0,
            "cpu_bound_learners": 800 if held else None,
            "steps": steps,
        },
        **parts,
    }


CHAOS = {
    "seconds": 60,
    "learners": 80,
    "kill_every_seconds": 3.0,
    "workers_killed": 19,
    "killed_mid_request": 11,
    "requests": 900,
    "failed_requests": 12,
    "answers_accepted": 512,
    "answers_lost": 0,
    "replay_clean": True,
    "replay_summary": "0 differ",
    "replay_seconds": 20.0,
}
DUPLICATES = {
    "answers": 20,
    "copies_each": 4,
    "statuses": {"200": 80},
    "rows_recorded": 20,
    "missing": 0,
    "recorded_once": True,
}
README = (
    f"# BoneLearn\n\nIntro.\n\n{report.START_MARKER}\nold table\n{report.END_MARKER}\n\nAfter.\n"
)


@pytest.fixture
def results(tmp_path):
    report.save(
        result("sqlite", [step(100, p95=40), step(200, p95=70), step(300, p95=140)], chaos=CHAOS),
        tmp_path,
    )
    report.save(result("postgresql", [step(100, p95=150)], chaos=CHAOS), tmp_path)
    report.save(
        result(
            "scaleout", [step(100, p95=30), step(200, p95=60, failures=2)], duplicates=DUPLICATES
        ),
        tmp_path,
    )
    return report.load_latest(tmp_path)


def test_learners_held_is_the_last_step_meeting_both_goals():
    assert learners_held([step(100, p95=40), step(200, p95=99), step(300, p95=101)]) == 200
    assert learners_held([step(100, p95=40), step(200, p95=20, failures=1)]) == 100
    assert learners_held([step(100, p95=400)]) == 0
    # A later step that happens to pass again does not count: the ramp stops at the first miss.
    assert learners_held([step(100, p95=40), step(200, p95=140), step(300, p95=40)]) == 100
    # Learners who ran out of due cards no longer keep the pace: that step does not count.
    assert learners_held([step(100, p95=40), step(200, p95=40, reviews=200)]) == 100


def test_a_ramp_whose_learners_ran_dry_says_so():
    steps = [step(100, p95=40), step(200, p95=45, reviews=200)]
    capacity = summary(steps, p95_limit_ms=100)
    assert capacity["learners_held"] == 100 and not capacity["pool_limit_reached"]
    assert capacity["next_step"]["ran_dry"]
    text = report.render_table(
        {"sqlite": {**result("sqlite", steps), "capacity": {**capacity, "answers_lost": 0}}}
    )
    assert "200: p95 45 ms, but the learners ran out of due cards" in text


def test_only_the_latest_result_per_run_is_kept(tmp_path, results):
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "latest-postgresql.json",
        "latest-scaleout.json",
        "latest-sqlite.json",
    ]
    report.save(result("sqlite", [step(100, p95=40)], chaos=CHAOS), tmp_path)
    assert report.load_latest(tmp_path)["sqlite"]["capacity"]["learners_held"] == 100
    assert len(list(tmp_path.iterdir())) == 3


def test_table_round_trip_through_the_readme(tmp_path, results):
    readme = tmp_path / "README.md"
    readme.write_text(README)
    report.update_readme(results, readme)
    text = readme.read_text()
    assert text.startswith("# BoneLearn\n\nIntro.\n\n") and text.endswith("\n\nAfter.\n")
    assert "old table" not in text
    rows = report.read_table(text)
    assert [row["run"] for row in rows] == [report.RUN_NAMES[run] for run in report.RUN_ORDER]
    held = [row["learners held (goal)"] for row in rows]
    assert held == ["**200** (≥ 500)", "**0** (≥ 400)", "**100**"]
    assert rows[0]["next step"] == "300: p95 140 ms"
    assert rows[2]["next step"] == "200: 2 failed"
    assert rows[0]["CPU per learner · learners all cores could serve"] == "2.5 ms/s · ≈ 800"
    assert rows[1]["CPU per learner · learners all cores could serve"] == "–"
    assert rows[0]["exactly once: accepted answers · lost · replay"] == (
        "chaos (19 workers killed): 512 · 0 · clean"
    )
    assert "20 answers × 4 copies on 2 instances → 20 rows" in rows[2].values()
    assert "| POST /review/answer/ | 12 / 31 | – | 12 / 31 |" in text
    assert "load average 0.4 before the run and 1.5 during the step shown" in text
    assert "when this run's processes kept 1.1 cores busy" in text
    # Rewriting from the same results changes nothing.
    report.update_readme(results, readme)
    assert readme.read_text() == text


def test_a_readme_without_markers_is_refused(tmp_path, results):
    readme = tmp_path / "README.md"
    readme.write_text("# BoneLearn\n")
    with pytest.raises(ValueError, match="markers"):
        report.update_readme(results, readme)


def test_summary_says_what_was_lost_and_which_goals_were_missed(results):
    assert report.all_clean(results)
    text = report.summary(results)
    assert "19 workers killed in 60 s (11 mid-request), 512 answers accepted, 0 lost" in text
    assert "rebuild_memory --check clean" in text
    assert "[MISSED] goal: at least 500 learners" in text
    lost = {**results["sqlite"], "chaos": {**CHAOS, "answers_lost": 1}}
    assert not report.all_clean({**results, "sqlite": lost})
    unclean = {**results["sqlite"], "chaos": {**CHAOS, "replay_clean": False}}
    assert not report.all_clean({"sqlite": unclean})
    twice = {**results["scaleout"], "duplicates": {**DUPLICATES, "recorded_once": False}}
    assert not report.all_clean({"scaleout": twice})


def test_the_repository_readme_has_the_markers():
    text = report.README.read_text()
    assert text.count(report.START_MARKER) == 1 and text.count(report.END_MARKER) == 1
