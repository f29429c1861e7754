"""Evidently's DataDriftPreset report on the reference and current Parquet files the bench wrote (load excluded).

Usage: evidently_drift.py REFERENCE_PARQUET CURRENT_PARQUET NUMERIC_COLUMNS CATEGORICAL_COLUMNS REPEAT
(column lists comma-separated). Prints {"evidently": {"seconds", "drifted", "version"}} or an error.
"""

import sys

from common import emit, failure, median_seconds


def main():
    reference_path, current_path, numeric, categorical, repeat = sys.argv[1:6]
    try:
        import evidently
        import pandas as pd
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        definition = DataDefinition(
            numerical_columns=numeric.split(","), categorical_columns=categorical.split(",")
        )
        reference = pd.read_parquet(reference_path)
        current = pd.read_parquet(current_path)

        def run():
            report = Report([DataDriftPreset()])
            return report.run(
                Dataset.from_pandas(current, data_definition=definition),
                Dataset.from_pandas(reference, data_definition=definition),
            )

        seconds, snapshot = median_seconds(run, int(repeat))
        drifted = None
        for metric in snapshot.dict().get("metrics", []):
            if "DriftedColumnsCount" in str(metric.get("metric_id", "")):
                drifted = metric.get("value", {}).get("count")
        out = {"seconds": seconds, "drifted": drifted, "version": evidently.__version__}
    except Exception as err:
        out = failure(err)
    emit({"evidently": out})


if __name__ == "__main__":
    main()
