"""Example trainer under the mlops trainer contract (docs/trainer-contract.md): scikit-learn on CPU.

A pipeline of per-column preprocessing (median imputation and scaling for numbers, one-hot for strings)
and a logistic-regression SGDClassifier, trained one epoch at a time with partial_fit so it can
checkpoint between epochs, resume, and stop cleanly on SIGTERM. Exports ONNX with skl2onnx: one input per
raw feature ([N, 1] float or string), outputs `label` and `probabilities`.

    mlops train --trainer 'cmd:trainers/python/.venv/bin/python trainers/python/sklearn_trainer.py' ...
"""
import json
import os
import pickle
import sys

import numpy as np
from mlops_contract import EXIT_PREEMPTED, Preemption, atomic_write, emit, read, stop_on_stdin_close
import pandas as pd
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def main():
    preemption = Preemption()
    stop_on_stdin_close()
    env = os.environ
    try:
        label = env["MLOPS_LABEL"]
        out_dir, ckpt_dir = env["MLOPS_OUTPUT_DIR"], env["MLOPS_CHECKPOINT_DIR"]
        params = json.loads(env.get("MLOPS_PARAMS") or "{}")
        epochs = int(params.get("maxEpochs", 10))
        alpha = float(params.get("alpha", 1e-4))
        seed = int(env.get("MLOPS_SEED", "1"))
        train, valid = read(env["MLOPS_TRAIN_DATA"]), read(env["MLOPS_VALID_DATA"])
    except (KeyError, ValueError) as err:
        print(f"bad configuration: {err}", file=sys.stderr)
        return 2
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(ckpt_dir, exist_ok=True)
    features = [c for c in train.columns if c != label]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(train[c])]
    categorical = [c for c in features if c not in numeric]
    for frame in (train, valid):
        frame[numeric] = frame[numeric].astype("float32")
        frame[categorical] = frame[categorical].astype(str)
    y_train, y_valid = train[label].astype(int).to_numpy(), valid[label].astype(int).to_numpy()

    resume = env.get("MLOPS_RESUME_FROM")
    if resume:
        with open(resume, "rb") as f:
            state = pickle.load(f)
        emit({"type": "progress", "step": state["epoch"], "resumed": True})
    else:
        pre = ColumnTransformer(
            [
                ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
                ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
            ]
        )
        pre.fit(train[features])
        state = {"pre": pre, "clf": SGDClassifier(loss="log_loss", alpha=alpha, random_state=seed), "epoch": 0}
    x_train = state["pre"].transform(train[features])
    x_valid = state["pre"].transform(valid[features])

    def checkpoint(reason):
        path = os.path.join(ckpt_dir, f"epoch-{state['epoch']:06d}.pkl")
        atomic_write(path, pickle.dumps(state))
        emit({"type": "checkpoint", "step": state["epoch"], "path": path, "reason": reason})

    while state["epoch"] < epochs:
        if preemption.requested:
            checkpoint("sigterm")
            return EXIT_PREEMPTED
        rng = np.random.default_rng(seed + state["epoch"])
        order = rng.permutation(x_train.shape[0])
        state["clf"].partial_fit(x_train[order], y_train[order], classes=np.array([0, 1]))
        state["epoch"] += 1
        loss = log_loss(y_valid, state["clf"].predict_proba(x_valid), labels=[0, 1])
        emit({"type": "progress", "step": state["epoch"], "epoch": state["epoch"], "validLoss": loss, "fraction": state["epoch"] / epochs})
        checkpoint("interval")

    # The final state, from which a later run may continue with a larger epoch budget (successive halving).
    # Named final.*, which a retry looking for the newest interval checkpoint skips.
    final_checkpoint = os.path.join(ckpt_dir, "final.pkl")
    atomic_write(final_checkpoint, pickle.dumps(state))
    model = Pipeline([("pre", state["pre"]), ("clf", state["clf"])])
    inputs = [(c, FloatTensorType([None, 1])) for c in numeric] + [(c, StringTensorType([None, 1])) for c in categorical]
    onx = to_onnx(model, initial_types=inputs, options={id(state["clf"]): {"zipmap": False}}, target_opset=17)
    model_path, metrics_path = os.path.join(out_dir, "model.onnx"), os.path.join(out_dir, "metrics.json")
    atomic_write(model_path, onx.SerializeToString())
    proba = state["clf"].predict_proba(x_valid)
    metrics = {"validLoss": float(log_loss(y_valid, proba, labels=[0, 1])), "accuracy": float(accuracy_score(y_valid, proba[:, 1] > 0.5))}
    atomic_write(metrics_path, json.dumps(metrics).encode())
    emit(
        {
            "type": "done",
            "step": state["epoch"],
            "modelPath": model_path,
            "metricsPath": metrics_path,
            "checkpoint": final_checkpoint,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
