"""std/python (pipe_std/python.py): run a Python script with typed arguments and read its JSON result into a
structured output (std/python.pipe says how to declare it).

The arguments record becomes flags: `{epochs = 3, data = f, fast = true}` runs
`python SCRIPT --epochs 3 --data /abs/f --fast` (a `false` or absent value adds nothing,
a list adds its items after its flag). The script writes its result as JSON to the file
named by the environment variable PIPE_RESULT (or prints it as the last line of its
output); it runs in the task's own work directory, with the runner's interpreter unless
`python` names another. Its output and errors go to the task's log.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Generic, Optional, TypedDict, TypeVar

A = TypeVar("A")
R = TypeVar("R")


class Result(TypedDict, Generic[R]):
    result: R


def flags(args) -> list:
    if isinstance(args, list):
        return [str(a) for a in args]
    out = []
    for name, value in args.items():
        if value is None or value is False:
            continue
        if value is True:
            out.append("--" + name)
        elif isinstance(value, list):
            if value:
                out += ["--" + name] + [text(v) for v in value]
        else:
            out += ["--" + name, text(value)]
    return out


def text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def run_json(script: Path, args: A, python: Optional[str] = None) -> Result[R]:
    result_file = Path("result.json").absolute()
    command = [python or sys.executable, str(script)] + flags(args)
    done = subprocess.run(command, env=dict(os.environ, PIPE_RESULT=str(result_file)), capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} exited with status {done.returncode}")
    if result_file.exists():
        source, raw = "$PIPE_RESULT", result_file.read_text()
    else:
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        if not lines:
            raise RuntimeError(f"{script.name} wrote no result to $PIPE_RESULT and printed nothing")
        source, raw = "its last line of output", lines[-1]
    try:
        return {"result": json.loads(raw)}
    except ValueError as e:
        raise RuntimeError(f"{script.name}'s result ({source}) is not JSON: {e}") from None
