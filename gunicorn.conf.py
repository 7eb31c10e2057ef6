"""gunicorn's settings for UnionCore's web processes: `gunicorn unioncore.wsgi` from the project
folder reads this file (the benchmark's server too). Every value can be changed from the
environment (WEB_*) or on the command line. Why these: docs/performance.md."""

import gc
import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
# Two processes per core: the GIL lets one thread of a process run Python at a time, and while
# one process waits on PostgreSQL or Redis the other runs. Two threads each overlap those waits.
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", 2 * (os.cpu_count() or 1)))
threads = int(os.environ.get("WEB_THREADS", 2))
keepalive = int(os.environ.get("WEB_KEEPALIVE", 10))  # phones keep their connection between requests
# Django and every app module are loaded once, in the master, before the workers are forked.
preload_app = True


def pre_fork(server, worker):
    """Move everything the loaded application holds into the collector's permanent generation
    before forking. Each worker's full collections then walk only what requests created, not
    the ~150,000 objects of Django and the apps: a full collection paused a request for 85 ms
    before, 6 ms after (measured in-process on the benchmark machine). The pages the master
    loaded also stay shared with the workers, since the collector no longer writes to them."""
    gc.freeze()
