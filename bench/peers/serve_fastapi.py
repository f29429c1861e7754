"""The FastAPI + onnxruntime peer of bench:serve: the same ONNX model behind the same `:predict` JSON shape.

Usage: serve_fastapi.py MODEL_ONNX PORT
Serves POST /v1/models/{name}:predict with {"instances": [{feature: value, ...}]} and answers
{"predictions": [{"label", "probabilities": {class: p}}], "model_version", "id"} as the gateway does, plus
GET /health. One uvicorn worker process (httptools and uvloop when installed), access log off, and
onnxruntime's default session options except the threads per operator, from ORT_INTRA_OP_THREADS when set
(bench:serve sets the gateway's value, so both open their sessions alike).
"""

import os
import sys
import uuid
from typing import Optional

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

MODEL_VERSION = "1"


class PredictRequest(BaseModel):
    """The rows to predict, by feature name (null is a missing value)."""

    instances: list[dict[str, Optional[float]]]


def build_app(model_path):
    """The app serving one model."""
    options = ort.SessionOptions()
    threads = os.environ.get("ORT_INTRA_OP_THREADS")
    if threads:
        options.intra_op_num_threads = int(threads)
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    inputs = [i.name for i in session.get_inputs()]
    classes = ["0", "1"]
    app = FastAPI()

    @app.get("/health")
    async def health():
        return {"live": True}

    @app.post("/v1/models/{name}:predict")
    async def predict(name: str, request: PredictRequest):
        if name != "bench-mlp":
            raise HTTPException(status_code=404, detail=f"model '{name}' is not served")
        rows = request.instances
        if not rows:
            raise HTTPException(status_code=400, detail="instances must not be empty")
        feeds = {}
        for feature in inputs:
            column = np.empty((len(rows), 1), dtype=np.float32)
            for r, row in enumerate(rows):
                if feature not in row:
                    raise HTTPException(status_code=400, detail=f"instance {r} has no feature '{feature}'")
                value = row[feature]
                column[r, 0] = np.nan if value is None else value
            feeds[feature] = column
        labels, probabilities = session.run(["label", "probabilities"], feeds)
        predictions = [
            {
                "label": str(labels[r]),
                "probabilities": {c: float(probabilities[r, k]) for k, c in enumerate(classes)},
            }
            for r in range(len(rows))
        ]
        return {"predictions": predictions, "model_version": MODEL_VERSION, "id": str(uuid.uuid4())}

    return app


def main():
    model_path, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(build_app(model_path), host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
