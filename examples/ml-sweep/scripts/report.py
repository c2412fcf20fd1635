"""A short Markdown report of the sweep."""
import argparse

p = argparse.ArgumentParser()
p.add_argument("--summary", required=True)
p.add_argument("--best", type=int, required=True)
a = p.parse_args()

with open(a.summary) as f:
    lines = [l.strip() for l in f if l.strip()]
print("# Sweep report\n")
for i, line in enumerate(lines):
    print(f"- {'**' if i == a.best else ''}{line}{'** (best)' if i == a.best else ''}")
