"""What Domino's filesystem costs a local job: the same jobs with filesystem "domino" and "plain".

Each round starts jobs one after another on the local backend and waits for each to end:

- ``script``: a stage script as Domino's docs write it (``python <script>`` reading an input and
  writing an output), started cold through ``/bin/sh`` (and, in domino mode, ``unshare``);
- ``warm``: a ``@domino_task`` job forked by the warm launcher (in domino mode the child enters
  its own namespace itself).

    python benchmarks/bench_mounts.py [--jobs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobSpec
from domino_flows.backends.local import LocalBackend
from domino_flows.backends.local_mounts import namespace_problem
from domino_flows.core.project import load_settings

SCRIPT = """\
import os
folder = "/workflow" if os.environ.get("DOMINO_FLOWS_FILESYSTEM") == "domino" else None
inputs = folder + "/inputs" if folder else os.environ["DOMINO_FLOWS_INPUTS_DIR"]
outputs = folder + "/outputs" if folder else os.environ["DOMINO_FLOWS_OUTPUTS_DIR"]
with open(inputs + "/rows") as f:
    rows = int(f.read())
with open(outputs + "/total", "w") as f:
    f.write(str(rows * 2))
"""
FLOW = """\
from domino_flows import domino_task


@domino_task
def double(rows: int) -> int:
    return rows * 2
"""


def measure(filesystem: str, kind: str, jobs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "bench"\n[tool.domino_flows]\nfilesystem = "{filesystem}"\n'
        )
        (root / "scripts").mkdir()
        (root / "scripts" / "double.py").write_text(SCRIPT)
        (root / "flow.py").write_text(FLOW)
        backend = LocalBackend(root, load_settings(root))
        if kind == "script":
            command = f"{sys.executable} scripts/double.py"
            outputs = {"total": int}
        else:
            command = "python -m domino_flows.entrypoint flow.py:double"
            outputs = {"o0": int}
        times = []
        for index in range(jobs + 1):  # the first job warms caches (and the launcher): not timed
            spec = JobSpec(
                run_id="bench",
                flow="bench",
                task=f"{kind}{index}",
                config=DominoJobConfig(Command=command),
                input_types={"rows": int},
                output_types=outputs,
            )
            started = time.perf_counter()
            handle = backend.start(spec, backend.stage_inputs(spec, {"rows": index}))
            status = backend.wait(handle, 120)
            elapsed = time.perf_counter() - started
            if status.state.value != "Succeeded":
                raise SystemExit(f"{filesystem}/{kind} job failed: {backend.logs(handle)}")
            if index:
                times.append(elapsed)
        if backend._warm is not None:
            backend._warm.close()
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    problem = namespace_problem()
    modes = ["plain"] if problem else ["plain", "domino"]
    if problem:
        print(f"domino mode unavailable here: {problem}")
    for kind in ("script", "warm"):
        for mode in modes:
            times = measure(mode, kind, args.jobs)
            print(
                f"{kind:6} {mode:6}  median {statistics.median(times) * 1000:6.1f} ms  "
                f"min {min(times) * 1000:6.1f} ms  max {max(times) * 1000:6.1f} ms  "
                f"({len(times)} jobs)"
            )


if __name__ == "__main__":
    main()
