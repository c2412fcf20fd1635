"""std/select (pipe_std/select.py): the best runs of a sweep by a metric (std/select.pipe calls these).

`best` and `top_k` take the metric of each run (`runs.score`) and return positions into
that list; `best_of` also returns the parameters record the winner ran with, and is
generic: declare its signature with the record type of your sweep (see select.pipe).
A `nan` metric (a run that diverged) never wins; ties go to the earlier run.
"""

import math
from typing import Generic, TypedDict, TypeVar

T = TypeVar("T")


class Best(TypedDict):
    index: int
    value: float


class BestOf(TypedDict, Generic[T]):
    index: int
    value: float
    params: T


class Top(TypedDict):
    indices: list[int]
    values: list[float]


def _order(values: list[float], maximize: bool) -> list[int]:
    usable = [i for i, v in enumerate(values) if not math.isnan(v)]
    if not usable:
        raise ValueError(f"no run to choose from: {len(values)} values, none a number")
    # sorted() is stable: among equal values the earlier run comes first.
    return sorted(usable, key=lambda i: -values[i] if maximize else values[i])


def best(values: list[float], maximize: bool = True) -> Best:
    i = _order(values, maximize)[0]
    return {"index": i, "value": values[i]}


def best_of(values: list[float], params: list[T], maximize: bool = True) -> BestOf[T]:
    if len(params) != len(values):
        raise ValueError(f"{len(values)} values but {len(params)} parameter records")
    i = _order(values, maximize)[0]
    return {"index": i, "value": values[i], "params": params[i]}


def top_k(values: list[float], k: int, maximize: bool = True) -> Top:
    if k < 0:
        raise ValueError(f"k must be 0 or more, not {k}")
    chosen = _order(values, maximize)[:k] if k else []
    return {"indices": chosen, "values": [values[i] for i in chosen]}
