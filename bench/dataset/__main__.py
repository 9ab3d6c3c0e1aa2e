"""`python -m bench.dataset`: write the benchmark dataset into the database DATABASE_URL names."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the benchmark dataset.")
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument("--sessions", help="write signed-in session keys (JSON) to this file")
    parser.add_argument("--report", help="write the dataset report (JSON) to this file")
    args = parser.parse_args(argv)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonelearn.settings")
    django.setup()
    from bench.dataset import bench_usernames, create_sessions, generate

    report = generate(
        learners=args.learners,
        cards=args.cards,
        batch_size=args.batch_size,
        log=lambda line: print(line, flush=True),
    )
    print(
        f"dataset: {report.learners} learners × {report.cards} cards, "
        f"{report.memory_states:,} memory states, {report.review_logs:,} review logs "
        f"({report.distinct_histories:,} distinct histories, {report.fsrs_answers:,} fsrs answers) "
        f"in {report.seconds:.1f} s on {report.vendor}, peak memory {report.peak_rss_mb:.0f} MB",
        flush=True,
    )
    if args.sessions:
        learners, instructors = bench_usernames()
        keys = create_sessions(usernames=[*learners, *instructors])
        with open(args.sessions, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "learners": [keys[name] for name in learners],
                    "learner_names": learners,
                    "instructors": [keys[name] for name in instructors],
                },
                handle,
            )
    if args.report:
        with open(args.report, "w", encoding="utf-8") as handle:
            json.dump(asdict(report), handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
