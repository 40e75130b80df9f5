#!/usr/bin/env python3
"""Training speed of LeNet-300-100 and Conv-2 in PyTorch, for comparing with
`trainscope-cli bench` on the same machine in the same sitting.

The models, batch size (64), optimizer (SGD with Nesterov momentum 0.9 and weight decay)
and data (random MNIST-shaped images, random labels) are those of `trainscope-cli bench`.
Run it with Debian's PyTorch (`python3-torch`) in its best configuration:

    env -u OPENBLAS_CORETYPE MALLOC_MMAP_THRESHOLD_=33554432 \
        MALLOC_TRIM_THRESHOLD_=1073741824 /usr/bin/python3 tests/bench/pytorch_reference.py

It prints one line per model and thread count, like `trainscope-cli bench`.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet300100(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x):
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class Conv2(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 3, padding=1)
        self.conv2 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc1 = nn.Linear(14 * 14 * 64, 256)
        self.fc2 = nn.Linear(256, 256)
        self.fc3 = nn.Linear(256, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2).flatten(1)
        x = F.dropout(x, 0.25, self.training)
        x = F.relu(self.fc2(F.relu(self.fc1(x))))
        return self.fc3(F.dropout(x, 0.25, self.training))


def bench(name, model, lr, wd, threads, seconds):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    n = 6400
    images = torch.rand(n, 1, 28, 28)
    labels = torch.randint(0, 10, (n,))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=wd)
    step_batch = 64

    def step(i):
        lo = (i * step_batch) % n
        x, y = images[lo:lo + step_batch], labels[lo:lo + step_batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    per_round = 2 if name == "conv-2" else 50
    for i in range(5 if name == "conv-2" else 50):
        step(i)
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(per_round):
            step(steps)
            steps += 1
    elapsed = time.perf_counter() - t0
    print(f"pytorch {name:<14} threads {threads}  batch 64  {steps * step_batch / elapsed:10.0f} samples/s",
          flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--models", nargs="+", default=["lenet-300-100", "conv-2"])
    a = ap.parse_args()
    for name in a.models:
        for threads in a.threads:
            model = LeNet300100() if name == "lenet-300-100" else Conv2()
            lr, wd = (0.05, 1e-4) if name == "lenet-300-100" else (0.02, 5e-4)
            bench(name, model.train(), lr, wd, threads, a.seconds)


if __name__ == "__main__":
    main()
