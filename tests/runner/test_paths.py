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
