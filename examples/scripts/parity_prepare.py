"""Stage script of examples/official_artifacts.py: a small table and a model file."""

import random
import tempfile
from pathlib import Path

from domino_flows import job

rows = job.read_input("rows", int)
generator = random.Random(7)
folder = Path(tempfile.mkdtemp())
table = folder / "data.csv"
lines = ["x,y"] + [f"{i},{2 * i + generator.randint(0, 3)}" for i in range(rows)]
table.write_text("\n".join(lines) + "\n")
job.write_output("data", table)
