"""Stage script of the `write_report` task in flow.py. Its job runs the command

    PYTHONPATH="$PWD" python -m {{ cookiecutter.package_name }}.report

The script reads the task's inputs and writes its outputs through `domino_flows.job`, which is
standard library only and knows where Domino puts them (/workflow/inputs and /workflow/outputs).
"""

import json
import tempfile
from pathlib import Path

from domino_flows import job

from {{ cookiecutter.package_name }} import churn


def main() -> None:
    metrics = json.loads(job.read_input("metrics", Path).read_text())
    model = json.loads(job.read_input("model", Path).read_text())
    if not metrics.get("rows"):
        job.fail("the evaluation saw no rows: raise rows or test_fraction")
    path = Path(tempfile.mkdtemp()) / "report.md"
    path.write_text(churn.render_report(metrics, model))
    job.write_output("report", path)


if __name__ == "__main__":
    main()
