"""Odd paths: a flow file in a folder whose name has a space runs, warm and cold."""

import json
import textwrap

import pytest
from runner_helpers import cli

FLOW = textwrap.dedent(
    """
    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task
    def shout(text: str) -> str:
        return text.upper()


    @workflow
    def loud(text: str = "hi") -> str:
        return shout(text=text)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("warm", ["1", "0"], ids=["warm", "cold"])
def test_a_flow_in_a_folder_with_a_space(project, monkeypatch, warm):
    folder = project / "my flows"
    folder.mkdir()
    (folder / "loud flow.py").write_text(FLOW)
    monkeypatch.setenv("DOMINO_FLOWS_WARM_JOBS", warm)
    result = cli("run", "my flows/loud flow.py", "loud", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outputs"] == {"o0": "HI"}


LINKING_FLOW = textwrap.dedent(
    """
    from flytekit import workflow
    from flytekit.types.file import FlyteFile

    from domino_flows import DominoJobConfig, DominoJobTask

    leak = DominoJobTask(
        name="leak",
        domino_job_config=DominoJobConfig(
            Command='ln -s "$HOME/.bashrc" "$DOMINO_FLOWS_OUTPUTS_DIR/out"'
        ),
        outputs={"out": FlyteFile},
    )


    @workflow
    def linking() -> FlyteFile:
        return leak()
    """
)


@pytest.mark.slow
def test_a_task_that_links_its_output_fails_and_the_run_says_so(project):
    from domino_flows.records.store import RunStore

    (project / "linking.py").write_text(LINKING_FLOW)
    result = cli("run", "linking.py", "linking")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    store = RunStore.for_project(project)
    (run,) = store.runs()
    (attempt,) = store.attempts(run["run_id"])
    assert (run["state"], attempt.state) == ("Failed", "Failed")
    assert "is a symbolic link" in attempt.error
