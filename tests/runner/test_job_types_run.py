"""A command that is only a script's name runs by its extension in a local job, as on Domino."""

import pytest
from runner_helpers import run_json

FLOW = """
from flytekit import workflow

from domino_flows import Output, run_domino_job_task


@workflow
def by_extension() -> tuple[str, str]:
    shell = run_domino_job_task(
        "shell", "scripts/join.sh first 'two words'", output_specs=[Output("out", str)]
    )
    python = run_domino_job_task("python", "scripts/name.py", output_specs=[Output("out", str)])
    return shell, python
"""


@pytest.mark.slow
def test_a_script_name_runs_with_bash_and_python(project):
    (project / "scripts").mkdir()
    # neither script is executable: Domino runs them by extension, not as programs
    (project / "scripts" / "join.sh").write_text(
        'printf "%s|%s" "$1" "$2" > /workflow/outputs/out\n'
    )
    (project / "scripts" / "name.py").write_text(
        "import sys\nopen('/workflow/outputs/out', 'w').write(sys.argv[0])\n"
    )
    (project / "ext.py").write_text(FLOW)
    result, document = run_json("ext.py", "by_extension")
    assert result.exit_code == 0, result.output
    assert document["outputs"] == {"o0": "first|two words", "o1": "scripts/name.py"}
