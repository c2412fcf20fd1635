# select.py
from typing import TypedDict

class Pick(TypedDict):
    index: int

def pick(scores: list[float]) -> Pick:
    return {"index": max(range(len(scores)), key=lambda i: scores[i])}
