"""PyTorch peer of bench:train: the same MLP, optimiser, batch size and epochs on the same encoded data.

Usage: python train_torch.py <features.f64> <labels.u8> <rows> <width> <epochs> <batch> <threads>
Prints one JSON line: {"samplesPerSecond": ..., "seconds": ..., "torch": version}.
"""
import json
import sys
import time

import numpy as np
import torch

features, labels, rows, width, epochs, batch, threads = sys.argv[1:8]
rows, width, epochs, batch, threads = int(rows), int(width), int(epochs), int(batch), int(threads)
torch.set_num_threads(threads)
torch.manual_seed(1)
x = torch.from_numpy(np.fromfile(features, dtype=np.float64).reshape(rows, width))
y = torch.from_numpy(np.fromfile(labels, dtype=np.uint8).astype(np.int64))
model = torch.nn.Sequential(
    torch.nn.Linear(width, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2)
).double()
optimiser = torch.optim.Adam(model.parameters(), lr=0.003, weight_decay=1e-5)
loss_fn = torch.nn.CrossEntropyLoss()
generator = torch.Generator().manual_seed(1)
start = time.perf_counter()
for epoch in range(epochs):
    order = torch.randperm(rows, generator=generator)
    for i in range(0, rows, batch):
        idx = order[i : i + batch]
        optimiser.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimiser.step()
seconds = time.perf_counter() - start
print(json.dumps({"samplesPerSecond": rows * epochs / seconds, "seconds": seconds, "torch": torch.__version__}))
