"""Example PyTorch trainer under the mlops trainer contract (docs/trainer-contract.md).

An MLP on standardised numeric features and one-hot categoricals, trained with Adam on seeded
mini-batches. Uses CUDA when CUDA_VISIBLE_DEVICES names a device and PyTorch sees it, the CPU otherwise.
Checkpoints (model, optimiser, epoch, batch, preprocessing) every `checkpointEvery` steps and on SIGTERM
(then exits 75); resumes from MLOPS_RESUME_FROM. Exports ONNX with the preprocessing in the graph: one
input per raw feature, [N, 1] float (NaN = missing) or string (one-hot encoded in the graph), outputs
`label` and `probabilities`.

    mlops train --trainer 'cmd:<venv>/bin/python trainers/python/torch_trainer.py' ...
"""
import json
import os
import sys

import numpy as np
from mlops_contract import EXIT_PREEMPTED, Preemption, emit, read, stop_on_stdin_close
import pandas as pd
import torch


class Preprocess(torch.nn.Module):
    """Numeric: impute with the mean, standardise. The graph takes one [N, 1] tensor per numeric feature."""

    def __init__(self, means, stds):
        super().__init__()
        self.register_buffer("means", torch.tensor(means, dtype=torch.float32))
        self.register_buffer("stds", torch.tensor(stds, dtype=torch.float32))

    def forward(self, numeric, onehot):
        x = torch.cat(numeric, dim=1)
        x = torch.where(torch.isnan(x), self.means, x)
        return torch.cat([(x - self.means) / self.stds, onehot], dim=1)


class Model(torch.nn.Module):
    def __init__(self, width, hidden, means, stds):
        super().__init__()
        self.pre = Preprocess(means, stds)
        layers, last = [], width
        for h in hidden:
            layers += [torch.nn.Linear(last, h), torch.nn.ReLU()]
            last = h
        layers.append(torch.nn.Linear(last, 2))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, numeric, onehot):
        logits = self.net(self.pre(numeric, onehot))
        probabilities = torch.softmax(logits, dim=1)
        return torch.argmax(probabilities, dim=1), probabilities


def main():
    preemption = Preemption()
    stop_on_stdin_close()
    env = os.environ
    try:
        label = env["MLOPS_LABEL"]
        out_dir, ckpt_dir = env["MLOPS_OUTPUT_DIR"], env["MLOPS_CHECKPOINT_DIR"]
        params = json.loads(env.get("MLOPS_PARAMS") or "{}")
        epochs = int(params.get("maxEpochs", 10))
        batch = int(params.get("batchSize", 256))
        lr = float(params.get("learningRate", 0.003))
        hidden = [int(h) for h in params.get("hidden", [32, 16])]
        every = int(params.get("checkpointEvery", 50))
        seed = int(env.get("MLOPS_SEED", "1"))
        train, valid = read(env["MLOPS_TRAIN_DATA"]), read(env["MLOPS_VALID_DATA"])
    except (KeyError, ValueError) as err:
        print(f"bad configuration: {err}", file=sys.stderr)
        return 2
    use_cuda = bool(env.get("CUDA_VISIBLE_DEVICES")) and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(ckpt_dir, exist_ok=True)
    features = [c for c in train.columns if c != label]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(train[c])]
    categorical = [c for c in features if c not in numeric]
    categories = {c: sorted(train[c].dropna().astype(str).unique().tolist()) for c in categorical}

    def encode(frame):
        num = frame[numeric].astype("float32").to_numpy().copy()
        hot = [np.stack([(frame[c].astype(str) == v).to_numpy() for v in categories[c]], axis=1) for c in categorical]
        onehot = np.concatenate(hot, axis=1).astype("float32") if hot else np.zeros((len(frame), 0), "float32")
        labels = frame[label].astype("int64").to_numpy().copy()
        return torch.from_numpy(num), torch.from_numpy(onehot), torch.from_numpy(labels)

    x_num, x_hot, y = encode(train)
    v_num, v_hot, v_y = encode(valid)
    means = np.nanmean(x_num.numpy(), axis=0)
    stds = np.nanstd(x_num.numpy(), axis=0, ddof=1)
    stds[stds < 1e-12] = 1
    torch.manual_seed(seed)
    model = Model(len(numeric) + x_hot.shape[1], hidden, means.tolist(), stds.tolist()).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    state = {"epoch": 0, "batch": 0, "step": 0}
    resume = env.get("MLOPS_RESUME_FROM")
    if resume:
        saved = torch.load(resume, map_location=device)
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        state = saved["state"]
        emit({"type": "progress", "step": state["step"], "resumed": True})

    def save(path):
        tmp = f"{path}.tmp-{os.getpid()}"
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "state": state}, tmp)
        os.replace(tmp, path)

    def checkpoint(reason):
        path = os.path.join(ckpt_dir, f"step-{state['step']:08d}.pt")
        save(path)
        emit({"type": "checkpoint", "step": state["step"], "path": path, "reason": reason})

    split = lambda t, to=device: [t[:, i : i + 1].to(to) for i in range(t.shape[1])]  # noqa: E731
    loss_fn = torch.nn.CrossEntropyLoss()
    rows = len(y)
    while state["epoch"] < epochs:
        order = torch.randperm(rows, generator=torch.Generator().manual_seed(seed * 1000 + state["epoch"]))
        while state["batch"] * batch < rows:
            if preemption.requested:
                checkpoint("sigterm")
                return EXIT_PREEMPTED
            idx = order[state["batch"] * batch : (state["batch"] + 1) * batch]
            optimiser.zero_grad()
            _, proba = model(split(x_num[idx]), x_hot[idx].to(device))
            loss = loss_fn(torch.log(proba + 1e-12), y[idx].to(device))
            loss.backward()
            optimiser.step()
            state["batch"] += 1
            state["step"] += 1
            if state["step"] % every == 0:
                checkpoint("interval")
        state["epoch"] += 1
        state["batch"] = 0
        with torch.no_grad():
            _, proba = model(split(v_num), v_hot.to(device))
            valid_loss = float(loss_fn(torch.log(proba + 1e-12), v_y.to(device)))
        emit({"type": "progress", "step": state["step"], "epoch": state["epoch"], "validLoss": valid_loss, "fraction": state["epoch"] / epochs})

    # The final state, from which a later run may continue with a larger epoch budget (successive halving).
    # Named final.*, which a retry looking for the newest interval checkpoint skips.
    final_checkpoint = os.path.join(ckpt_dir, "final.pt")
    save(final_checkpoint)
    # Evaluated here rather than taken from the last epoch: a run resumed at its epoch budget trains no epoch.
    model = model.cpu().eval()
    with torch.no_grad():
        labels, proba = model(split(v_num, "cpu"), v_hot)
        valid_loss = float(loss_fn(torch.log(proba + 1e-12), v_y))
    metrics = {"validLoss": valid_loss, "accuracy": float((labels == v_y).float().mean())}
    model_path, metrics_path = os.path.join(out_dir, "model.onnx"), os.path.join(out_dir, "metrics.json")
    export_onnx(model, numeric, categorical, categories, model_path)
    with open(metrics_path, "w") as f:
        json.dump(metrics, f)
    emit(
        {
            "type": "done",
            "step": state["step"],
            "modelPath": model_path,
            "metricsPath": metrics_path,
            "checkpoint": final_checkpoint,
        }
    )
    return 0


def export_onnx(model, numeric, categorical, categories, path):
    """Numeric inputs go through torch.onnx; string inputs are one-hot encoded inside the graph."""
    import onnx
    from onnx import TensorProto, helper

    class Wrapper(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(list(inputs[: len(numeric)]), torch.cat(inputs[len(numeric) :], dim=1) if categorical else torch.zeros(inputs[0].shape[0], 0))

    dummy = [torch.zeros(2, 1) for _ in numeric] + [torch.zeros(2, len(categories[c])) for c in categorical]
    names = numeric + [f"{c}__onehot" for c in categorical]
    tmp = f"{path}.torch-{os.getpid()}"
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the TorchScript exporter handles this graph
    torch.onnx.export(
        Wrapper(model), tuple(dummy), tmp, input_names=names, output_names=["label", "probabilities"],
        dynamic_axes={n: {0: "N"} for n in names + ["label", "probabilities"]}, opset_version=17, dynamo=False,
    )
    graph_model = onnx.load(tmp)
    os.remove(tmp)
    graph = graph_model.graph
    # Replace each one-hot input by a string input encoded in the graph (ai.onnx.ml OneHotEncoder).
    graph_model.opset_import.append(helper.make_opsetid("ai.onnx.ml", 3))
    axes = helper.make_tensor("onehot__axes", TensorProto.INT64, [1], [1])
    graph.initializer.append(axes)
    for c in categorical:
        name = f"{c}__onehot"
        old = next(i for i in graph.input if i.name == name)
        graph.input.remove(old)
        graph.input.append(helper.make_tensor_value_info(c, TensorProto.STRING, ["N", 1]))
        graph.node.insert(0, helper.make_node("Squeeze", [f"{c}__onehot3", "onehot__axes"], [name]))
        graph.node.insert(
            0,
            helper.make_node(
                "OneHotEncoder", [c], [f"{c}__onehot3"], domain="ai.onnx.ml", cats_strings=categories[c], zeros=1
            ),
        )
    onnx.checker.check_model(graph_model)
    tmp_final = f"{path}.tmp-{os.getpid()}"
    onnx.save(graph_model, tmp_final)
    os.replace(tmp_final, path)


if __name__ == "__main__":
    sys.exit(main())
