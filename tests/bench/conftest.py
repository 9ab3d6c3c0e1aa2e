from __future__ import annotations

import os

# Importing locust would monkey-patch sockets and threads for gevent in the whole test process
# (the suite's concurrency tests need real threads); the bench tests use only its statistics.
os.environ.setdefault("LOCUST_SKIP_MONKEY_PATCH", "1")
