"""DF017's keyword lists are the kit functions' real signatures, and DF013 names fan_out."""

import inspect

import pytest

from domino_flows.lint import lint_source
from domino_flows.lint.rules_kit_calls import KEYWORDS


def _signature(name: str) -> frozenset[str]:
    from domino_flows.config import DominoJobConfig
    from domino_flows.decorators import domino_task
    from domino_flows.fanout import fan_out
    from domino_flows.helpers import Input, Output, build_domino_job_task

    function = {
        "run_domino_job_task": build_domino_job_task,  # run_domino_job_task(**options) -> it
        "Input": Input,
        "Output": Output,
        "DominoJobConfig": DominoJobConfig,
        "domino_task": domino_task,
        "fan_out": fan_out,
    }[name]
    return frozenset(p for p in inspect.signature(function).parameters if not p.startswith("_"))


@pytest.mark.parametrize("name", sorted(KEYWORDS))
def test_keyword_lists_are_the_signatures(name):
    assert KEYWORDS[name] == _signature(name)


def test_unknown_keyword_suggests_the_closest():
    source = (
        "from domino_flows import run_domino_job_task\n"
        "r = run_domino_job_task('t', 'python t.py', hardware_tier='Small')\n"
    )
    (finding,) = lint_source(source, "flow.py")
    assert finding.rule == "DF017"
    assert "run_domino_job_task() takes no keyword hardware_tier=" in finding.message
    assert "Did you mean hardware_tier_id=?" in finding.message or "hardware_tier_name" in (
        finding.message
    )


def test_df013_names_fan_out():
    source = (
        "from flytekit import map_task, task, workflow\n"
        "@workflow\n"
        "def wf() -> None:\n"
        "    map_task(print)\n"
    )
    messages = [f.message for f in lint_source(source, "flow.py") if f.rule == "DF013"]
    assert messages and "fan_out(task) runs one job per item" in messages[0]
