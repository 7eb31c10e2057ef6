"""Helpers for tests: the hall's clock, and racing real database transactions."""

import datetime
import threading
from zoneinfo import ZoneInfo

from django.db import connections


def run_concurrently(*calls, timeout: float = 30.0) -> list:
    """Start every call in its own thread (own database connection) at the same moment; return
    each call's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except Exception as error:  # the test inspects it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


LA = ZoneInfo("America/Los_Angeles")


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    """A moment of the hall's day (Los Angeles time)."""
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LA)
