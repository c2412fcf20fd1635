"""Fits y = w*x + b by gradient descent; writes the model as JSON."""
import argparse, csv, json, os, random

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--lr", type=float, required=True)
p.add_argument("--epochs", type=int, required=True)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--out", required=True)
a = p.parse_args()

with open(os.path.join(a.data, "train.csv")) as f:
    rows = [(float(x), float(y)) for x, y in csv.reader(f)]
rng = random.Random(a.seed)
w, b = rng.uniform(-1, 1), 0.0
for _ in range(a.epochs):
    gw = sum(2 * (w * x + b - y) * x for x, y in rows) / len(rows)
    gb = sum(2 * (w * x + b - y) for x, y in rows) / len(rows)
    w, b = w - a.lr * gw, b - a.lr * gb
with open(a.out, "w") as f:
    json.dump({"w": w, "b": b, "lr": a.lr, "epochs": a.epochs}, f)
