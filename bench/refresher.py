"""What cron does in production during a run: `refresh_cohort_figures` every few minutes at low
priority (the README's cron line), as one long-lived process so that the ramp counts its CPU time
with the app's."""

from __future__ import annotations

import argparse
import os
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=300.0, help="seconds between refreshes")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonelearn.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    while True:
        began = time.monotonic()
        call_command("refresh_cohort_figures")
        connection.close()
        time.sleep(max(0.0, args.every - (time.monotonic() - began)))


if __name__ == "__main__":
    main()
