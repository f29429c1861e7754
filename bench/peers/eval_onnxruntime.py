"""onnxruntime peer of bench:eval: the same ONNX model over the same data, batch size and thread count.

Usage: python eval_onnxruntime.py <model.onnx> <data.parquet|data.arrow> <threads> <batch> <repeat>

The data is read with pyarrow and every batch's inputs (one float32 [n, 1] array per feature) are built before
the clock starts; only session.run is timed. Prints one JSON line:
{"python-onnxruntime": {"seconds": median pass, "rows": n, "positive_sum": sum of P(class 1), "onnxruntime": v}}.
"""

import sys

from common import emit, failure, median_seconds

NAME = "python-onnxruntime"


def read_table(path):
    """The dataset as a pyarrow Table (Parquet or Arrow IPC file)."""
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(path)
    import pyarrow as pa

    with pa.memory_map(path) as source:
        return pa.ipc.open_file(source).read_all()


def main():
    model, data, threads, batch, repeat = sys.argv[1:6]
    threads, batch, repeat = int(threads), int(batch), int(repeat)
    import numpy as np
    import onnxruntime as ort

    ort.set_default_logger_severity(3)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    table = read_table(data)
    rows = table.num_rows
    columns = {name: table.column(name).to_numpy().astype(np.float32) for name in names}
    feeds = [
        {name: columns[name][start : start + batch].reshape(-1, 1) for name in names}
        for start in range(0, rows, batch)
    ]
    fetches = ["label", "probabilities"]

    def run():
        positive = 0.0
        for feed in feeds:
            _, probabilities = session.run(fetches, feed)
            positive += float(probabilities[:, 1].sum(dtype=np.float64))
        return positive

    seconds, positive = median_seconds(run, repeat)
    return {"seconds": seconds, "rows": rows, "positive_sum": positive, "onnxruntime": ort.__version__}


if __name__ == "__main__":
    try:
        emit({NAME: main()})
    except Exception as err:  # noqa: BLE001 - the reason travels to the report as the baseline's reason
        emit({NAME: failure(err)})
