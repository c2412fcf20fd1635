"""Splits a CSV of (x, y) rows into train and validation sets, shuffled by a seed."""
import argparse, csv, os, random

p = argparse.ArgumentParser()
p.add_argument("--src", required=True)
p.add_argument("--val", type=float, required=True)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--out", required=True)
a = p.parse_args()

with open(a.src) as f:
    rows = [r for r in csv.reader(f) if r and not r[0].startswith("x")]
random.Random(a.seed).shuffle(rows)
n_val = max(1, int(len(rows) * a.val))
os.makedirs(a.out)
for name, part in (("val.csv", rows[:n_val]), ("train.csv", rows[n_val:])):
    with open(os.path.join(a.out, name), "w", newline="") as f:
        csv.writer(f).writerows(part)
