"""Shared helpers of the Python peers: timing with a warm-up run and one JSON line on stdout."""

import json
import statistics
import sys
import time
import traceback


def median_seconds(run, repeat):
    """Runs `run` once to warm up, then `repeat` times; returns the median wall time in seconds and the last result."""
    result = run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def failure(err):
    """An error as the one-line reason a baseline carries."""
    line = f"{type(err).__name__}: {err}".splitlines()[0]
    traceback.print_exc(file=sys.stderr)
    return {"error": line[:300]}


def emit(payload):
    """Prints the peer's single JSON line."""
    print(json.dumps(payload), flush=True)
