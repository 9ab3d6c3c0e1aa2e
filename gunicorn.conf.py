"""gunicorn's settings for BoneLearn (gunicorn reads ./gunicorn.conf.py by itself).

Garbage collection: a worker holds tens of thousands of long-lived objects (Django, the app, its
templates), and with Python's default thresholds the cycle collector walks through them again and
again: about 8 % of a worker's CPU on the review path, and pauses of up to ~80 ms that land in
someone's answer (measured in-process on the benchmark's data). Once the app is loaded, a worker
moves everything it holds into the permanent generation (gc.freeze) and collects the young
generation less often; a request's own garbage is still freed by reference counting as before.
"""

import gc

# Young objects: a collection after 50,000 net allocations instead of 700 (a request allocates
# a few thousand); the older generations as before.
GC_THRESHOLDS = (50_000, 20, 10)


def post_worker_init(worker):
    """In each worker, after the app is loaded (imported in the worker, or preloaded and forked)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
