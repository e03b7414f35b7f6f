"""Anti-pattern: data returned as a string.

Why it hurts: Domino keeps primitive outputs (strings, numbers, booleans) in the flow's metadata
and caps each at 1024 bytes. A CSV returned as a ``str`` works on a small test and fails the run
on real data.

Fix: write the data to a file and return a ``FlyteFile`` (or a ``FlyteDirectory``).

domino-flows lint: DF008 (data-in-primitive-output).
"""

import tempfile
from pathlib import Path

from flytekit.types.file import FlyteFile

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"

# --- bad: the whole table as a string output --------------------------------------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def bad_export(rows: int) -> str:
    csv = "\n".join(f"{i},{i * i}" for i in range(rows))
    return csv


# --- good: the table as a file output ---------------------------------------------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def good_export(rows: int) -> FlyteFile:
    path = Path(tempfile.mkdtemp()) / "squares.csv"
    path.write_text("\n".join(f"{i},{i * i}" for i in range(rows)) + "\n")
    return FlyteFile(str(path))
