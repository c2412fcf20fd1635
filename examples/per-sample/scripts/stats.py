"""Bootstrap mean of one column of a CSV table: prints `sample<TAB>seed<TAB>mean`."""
import argparse
import csv
import random
import sys

parser = argparse.ArgumentParser()
parser.add_argument("table")
parser.add_argument("--sample", required=True)
parser.add_argument("--seed", type=int, required=True)
parser.add_argument("--column", default="value")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--trim", type=float)
parser.add_argument("--verbose", action="store_true")
args = parser.parse_args()

with open(args.table, newline="") as f:
    values = sorted(float(row[args.column]) for row in csv.DictReader(f))
if args.trim:
    cut = int(len(values) * args.trim)
    values = values[cut : len(values) - cut] or values
rng = random.Random(args.seed)
draws = [sum(rng.choice(values) for _ in values) / len(values) for _ in range(200)]
if args.verbose:
    print(f"{args.sample}: {len(values)} values, {args.threads} threads", file=sys.stderr)
print(f"{args.sample}\t{args.seed}\t{sum(draws) / len(draws):.3f}")
