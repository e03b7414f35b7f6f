"""DF017's keyword lists are the kit functions' real signatures, and DF013 names fan_out."""

import inspect

import pytest

from domino_flows.lint import lint_source
from domino_flows.lint.rules_kit_calls import KEYWORDS


def _signature(name: str) -> frozenset[str]:
    from domino_flows.authoring.config import DominoJobConfig
    from domino_flows.authoring.decorators import domino_task
    from domino_flows.authoring.fanout import fan_out
    from domino_flows.authoring.helpers import Input, Output, build_domino_job_task

    function = {
        "run_domino_job_task": build_domino_job_task,  # run_domino_job_task(**options) -> it
        "Input": Input,
        "Output": Output,
        "DominoJobConfig": DominoJobConfig,
        "domino_task": domino_task,
        "fan_out": fan_out,
    }[name]
    parameters = inspect.signature(function).parameters.values()
    named = frozenset(
        p.name for p in parameters if p.kind is not p.VAR_KEYWORD and not p.name.startswith("_")
    )
    if any(p.kind is p.VAR_KEYWORD and p.name == "settings" for p in parameters):
        # task options and job settings come by keyword: every spelling the settings model takes
        from domino_flows.authoring.config import TASK_OPTIONS
        from domino_flows.contract import job_settings

        return named | job_settings.keywords(DominoJobConfig) | frozenset(TASK_OPTIONS)
    return named


@pytest.mark.parametrize("name", sorted(KEYWORDS))
def test_keyword_lists_are_the_signatures(name):
    assert KEYWORDS[name] == _signature(name)


def test_unknown_keyword_suggests_the_closest():
    source = (
        "from domino_flows import run_domino_job_task\n"
        "r = run_domino_job_task('t', 'python t.py', hardware_teir='Small')\n"
    )
    (finding,) = lint_source(source, "flow.py")
    assert finding.rule == "DF017"
    assert "run_domino_job_task() takes no keyword hardware_teir=" in finding.message
    assert "Did you mean hardware_tier=?" in finding.message


def test_both_functions_take_the_one_vocabulary_and_the_official_spellings():
    source = (
        "from domino_flows import domino_task, run_domino_job_task\n"
        "r = run_domino_job_task('t', 'python t.py', hardware_tier='Small', title='T')\n"
        "s = run_domino_job_task('s', 'python s.py', hardware_tier_name='Small')\n"
        "@domino_task(hardware_tier_name='Small', environment='Py', commit_id='abc')\n"
        "def f() -> None: ...\n"
    )
    assert [f for f in lint_source(source, "flow.py") if f.rule == "DF017"] == []


def test_df013_names_fan_out():
    source = (
        "from flytekit import map_task, task, workflow\n"
        "@workflow\n"
        "def wf() -> None:\n"
        "    map_task(print)\n"
    )
    messages = [f.message for f in lint_source(source, "flow.py") if f.rule == "DF013"]
    assert messages and "fan_out(task) runs one job per item" in messages[0]
