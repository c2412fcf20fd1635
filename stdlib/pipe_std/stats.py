"""std/stats (pipe_std/stats.py): summaries of repeated runs (seeds, folds); std/stats.pipe calls these."""

import math
import statistics
from typing import TypedDict


class Summary(TypedDict):
    mean: float
    std: float
    min: float
    max: float
    n: int


def summary(values: list[float]) -> Summary:
    if not values:
        raise ValueError("no values to summarize")
    # The sample standard deviation (n - 1), 0 for a single value.
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": statistics.fmean(values), "std": std, "min": min(values), "max": max(values), "n": len(values)}


class Interval(TypedDict):
    mean: float
    low: float
    high: float


def mean_ci(values: list[float], z: float = 1.96) -> Interval:
    s = summary(values)
    half = z * s["std"] / math.sqrt(s["n"])
    return {"mean": s["mean"], "low": s["mean"] - half, "high": s["mean"] + half}
