"""Stage script of examples/official_artifacts.py: fit y = a*x + b and write a short report."""

import json
import tempfile
from pathlib import Path

from domino_flows import job

lines = job.read_input("data", Path).read_text().splitlines()[1:]
points = [tuple(float(v) for v in line.split(",")) for line in lines if line]
if len(points) < 2:
    job.fail(f"need at least 2 rows to fit a line, got {len(points)}")
n = len(points)
mean_x = sum(x for x, _ in points) / n
mean_y = sum(y for _, y in points) / n
slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum(
    (x - mean_x) ** 2 for x, _ in points
)
folder = Path(tempfile.mkdtemp())
model = folder / "model.json"
model.write_text(json.dumps({"slope": slope, "intercept": mean_y - slope * mean_x}))
report = folder / "report.pdf"
report.write_text(f"Fitted {n} rows: slope {slope:.3f}\n")  # a stand-in for a real PDF
job.write_output("model", model)
job.write_output("report", report)
job.write_output("slope", round(slope, 6))
