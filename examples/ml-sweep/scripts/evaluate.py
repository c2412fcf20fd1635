"""Mean squared error of a model on the validation set."""
import argparse, csv, json, os

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--model", required=True)
p.add_argument("--mse", required=True)
p.add_argument("--line", required=True)
a = p.parse_args()

with open(a.model) as f:
    m = json.load(f)
with open(os.path.join(a.data, "val.csv")) as f:
    rows = [(float(x), float(y)) for x, y in csv.reader(f)]
mse = sum((m["w"] * x + m["b"] - y) ** 2 for x, y in rows) / len(rows)
with open(a.mse, "w") as f:
    f.write(f"{mse:.6g}\n")
with open(a.line, "w") as f:
    f.write(f"lr={m['lr']} epochs={m['epochs']} mse={mse:.6g}\n")
