"""Helpers shared by the example trainers: the trainer contract's events, exit codes, preemption flag, stdin
watch and I/O."""
import json
import os
import signal
import sys
import threading

import pandas as pd
import pyarrow.feather as feather

EXIT_PREEMPTED = 75
# Exit code when stdin closes under a worker (EX_SOFTWARE), as the built-in trainer (client/cli/trainer.ts).
EXIT_STDIN_CLOSED = 70
STOP_ON_STDIN_CLOSE = "MLOPS_STOP_ON_STDIN_CLOSE"


class Preemption:
    """Set by SIGTERM (a spot notice); the training loop checks it between steps."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, _signum, _frame):
        self.requested = True


def stop_on_stdin_close(env=os.environ):
    """Under a worker (MLOPS_STOP_ON_STDIN_CLOSE=1, stdin a pipe the worker holds open), exits the process as
    soon as stdin closes: the worker died, and a retry now owns the checkpoint folder, so nothing more may be
    written to it. Watches from a daemon thread; a no-op when the variable is not set to 1."""
    if env.get(STOP_ON_STDIN_CLOSE) != "1":
        return

    def watch():
        try:
            # The raw descriptor, not sys.stdin: no buffered reader whose lock this thread would hold at exit.
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        # Not sys.exit (it would end only this thread) and no flushing or cleanup: stop here, write nothing.
        os._exit(EXIT_STDIN_CLOSED)

    threading.Thread(target=watch, name="mlops-stdin-watch", daemon=True).start()


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
