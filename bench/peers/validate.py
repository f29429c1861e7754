"""Pandera peers of validate_profile_*: the bench contract's checks on the bench Parquet file, pandas and polars.

Usage: validate.py PARQUET CONTRACT_JSON REPEAT
Prints {"pandera-pandas": {...}, "pandera-polars": {...}}, each with in_memory_s (validation of a frame already
loaded, load excluded), from_parquet_s (read_parquet plus validation), valid, or an error.
"""

import gc
import json
import sys

from common import emit, failure, median_seconds


def pandas_schema(contract):
    import pandera.pandas as pa

    dtypes = {"float64": "float64", "int64": "int64", "string": "category", "bool": "bool"}
    columns = {}
    for name, rule in contract["columns"].items():
        checks = []
        if "min" in rule:
            checks.append(pa.Check.ge(rule["min"]))
        if "max" in rule:
            checks.append(pa.Check.le(rule["max"]))
        if "allowedValues" in rule:
            checks.append(pa.Check.isin(rule["allowedValues"]))
        if "maxNullFraction" in rule:
            limit = rule["maxNullFraction"]
            # ignore_na=False: the check must see the nulls it counts.
            checks.append(pa.Check(lambda s, limit=limit: s.isna().mean() <= limit, ignore_na=False))
        columns[name] = pa.Column(dtypes[rule["type"]], checks=checks, nullable=rule.get("nullable", True))
    return pa.DataFrameSchema(columns, strict=contract.get("allowExtraColumns") is False)


def polars_schema(contract):
    import polars as pl
    import pandera.polars as pa

    dtypes = {"float64": pl.Float64, "int64": pl.Int64, "string": pl.Categorical, "bool": pl.Boolean}
    columns = {}
    for name, rule in contract["columns"].items():
        checks = []
        if "min" in rule:
            checks.append(pa.Check.ge(rule["min"]))
        if "max" in rule:
            checks.append(pa.Check.le(rule["max"]))
        if "allowedValues" in rule:
            checks.append(pa.Check.isin(rule["allowedValues"]))
        if "maxNullFraction" in rule:
            limit = rule["maxNullFraction"]

            def null_fraction(data, limit=limit):
                column = pl.col(data.key)
                return data.lazyframe.select(column.null_count() / pl.len() <= limit)

            checks.append(pa.Check(null_fraction, ignore_na=False))
        columns[name] = pa.Column(dtypes[rule["type"]], checks=checks, nullable=rule.get("nullable", True))
    return pa.DataFrameSchema(columns, strict=contract.get("allowExtraColumns") is False)


def validate(schema, frame, errors):
    try:
        schema.validate(frame, lazy=True)
        return True
    except errors as err:
        print(f"validation failed: {str(err)[:500]}", file=sys.stderr)
        return False


def run_pandas(path, contract, repeat):
    import pandas as pd
    import pandera
    from pandera.errors import SchemaErrors

    schema = pandas_schema(contract)
    frame = pd.read_parquet(path)
    in_memory, valid = median_seconds(lambda: validate(schema, frame, SchemaErrors), repeat)
    del frame
    gc.collect()
    from_parquet, _ = median_seconds(lambda: validate(schema, pd.read_parquet(path), SchemaErrors), repeat)
    return {"in_memory_s": in_memory, "from_parquet_s": from_parquet, "valid": valid, "version": pandera.__version__}


def run_polars(path, contract, repeat):
    import polars as pl
    import pandera
    from pandera.errors import SchemaErrors

    schema = polars_schema(contract)
    frame = pl.read_parquet(path)
    in_memory, valid = median_seconds(lambda: validate(schema, frame, SchemaErrors), repeat)
    del frame
    gc.collect()
    from_parquet, _ = median_seconds(lambda: validate(schema, pl.read_parquet(path), SchemaErrors), repeat)
    return {"in_memory_s": in_memory, "from_parquet_s": from_parquet, "valid": valid, "version": pandera.__version__}


def main():
    path, contract_path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(contract_path) as f:
        contract = json.load(f)
    out = {}
    for name, run in (("pandera-pandas", run_pandas), ("pandera-polars", run_polars)):
        try:
            out[name] = run(path, contract, repeat)
        except Exception as err:  # a peer that cannot run is reported, not fatal
            out[name] = failure(err)
        gc.collect()
    emit(out)


if __name__ == "__main__":
    main()
