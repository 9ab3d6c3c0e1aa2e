"""gunicorn's settings file: each worker freezes what the loaded app holds and collects young
objects less often (why: gunicorn.conf.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"

WORKER = f"""
import gc, json, os, runpy
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonelearn.settings")
import django
django.setup()
config = runpy.run_path({str(CONFIG)!r})
before = (gc.get_threshold(), gc.get_freeze_count())
config["post_worker_init"](None)
print(json.dumps({{"before": before, "after": (gc.get_threshold(), gc.get_freeze_count())}}))
"""


def test_a_worker_freezes_the_loaded_app_and_collects_young_objects_less_often():
    ran = subprocess.run(
        [sys.executable, "-c", WORKER],
        capture_output=True,
        text=True,
        check=True,
        cwd=CONFIG.parent,
    )
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    (threshold_before, frozen_before), (threshold_after, frozen_after) = (
        seen["before"],
        seen["after"],
    )
    assert frozen_before == 0 and threshold_before[0] <= 2000  # Python's defaults (700; 3.13: 2000)
    # Django and the app's modules, templates tags and URL patterns: tens of thousands of objects
    # the collector no longer walks through.
    assert frozen_after > 20_000
    assert threshold_after == [50_000, 20, 10]
