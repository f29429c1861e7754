"""Helpers shared by the example trainers: the trainer contract's events, exit code, preemption flag and I/O."""
import json
import os
import signal
import sys

import pandas as pd
import pyarrow.feather as feather

EXIT_PREEMPTED = 75


class Preemption:
    """Set by SIGTERM (a spot notice); the training loop checks it between steps."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, _signum, _frame):
        self.requested = True


def emit(event):
    """Prints one contract event as a JSON line."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def read(path):
    """Reads a CSV, Arrow IPC or Parquet dataset into pandas."""
    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    if path.endswith((".arrow", ".feather", ".ipc")):
        return feather.read_table(path).to_pandas()
    return pd.read_csv(path)


def atomic_write(path, data):
    """Writes bytes to a temporary name and renames it into place, so readers never see half a file."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
