"""std/files (pipe_std/files.py): the Python half of std/files.pipe (merging JSON files, CSV tables from records)."""

import csv
import json
from pathlib import Path
from typing import Optional, TypedDict, TypeVar

T = TypeVar("T")


class Merged(TypedDict):
    merged: Path


def merge_json(files: list[Path]) -> Merged:
    """Objects merged key by key (a later file wins, nested objects merged too); arrays concatenated."""
    values = []
    for f in files:
        try:
            values.append(json.loads(f.read_text()))
        except ValueError as e:
            raise ValueError(f"{f.name} is not JSON: {e}") from None
    kinds = {type(v).__name__ for v in values}
    if kinds - {"dict"} and kinds - {"list"}:
        raise ValueError(f"cannot merge {', '.join(sorted(kinds))}: the files must all hold objects, or all arrays")
    merged = [x for v in values for x in v] if kinds == {"list"} else _merge_objects(values)
    out = Path("merged.json")
    out.write_text(json.dumps(merged, indent=1) + "\n")
    return {"merged": out}


def _merge_objects(objects):
    out = {}
    for o in objects:
        for k, v in o.items():
            out[k] = _merge_objects([out[k], v]) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class Table(TypedDict):
    table: Path


def csv_table(rows: list[T], columns: Optional[list[str]] = None) -> Table:
    """One row per record; the columns are `columns`, else every field of the records by name."""
    names = columns if columns is not None else sorted({k for r in rows for k in r})
    out = Path("table.csv")
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for r in rows:
            w.writerow([_cell(r.get(n)) for n in names])
    return {"table": out}


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)
