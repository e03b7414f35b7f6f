"""Rule behaviour beyond the corpus: import resolution, messages, and the heuristics' edges."""

from __future__ import annotations

import textwrap

import pytest

from domino_flows.lint import LintConfig, lint_source
from domino_flows.lint.rules_jobs import is_data_name, is_text_type
from domino_flows.lint.rules_secrets import is_secret_name, redact, secret_value

ALL_RULES = LintConfig(enable=frozenset({"DF015"}))


def hits(source: str, config: LintConfig = ALL_RULES) -> list[tuple[int, str]]:
    findings = lint_source(textwrap.dedent(source), "flow.py", config)
    return [(f.line, f.rule) for f in findings]


def messages(source: str, rule: str) -> list[str]:
    findings = lint_source(textwrap.dedent(source), "flow.py", ALL_RULES)
    return [f.message for f in findings if f.rule == rule]


# -- DF001 / DF013: import resolution ------------------------------------------------------------


@pytest.mark.parametrize(
    ("imports", "decorator"),
    [
        ("import flytekit as fk", "@fk.task"),
        ("from flytekit import *", "@task"),
        ("from flytekit.core import task as t", "@t.task"),
        ("import flytekit.core.task", "@flytekit.core.task.task()"),
    ],
)
def test_native_task_is_found_through_any_import_spelling(imports: str, decorator: str) -> None:
    source = f"""
    {imports}
    from domino_flows import domino_task

    {decorator}
    def add(a: int) -> int:
        return a
    """
    assert hits(source) == [(5, "DF001")]


def test_native_task_outside_flow_files_is_left_alone() -> None:
    source = """
    from flytekit import task

    @task
    def add(a: int) -> int:
        return a
    """
    assert hits(source) == []


def test_native_task_message_names_the_task_and_the_fix() -> None:
    source = """
    from flytekit import task, workflow

    @task
    def add(a: int) -> int:
        return a

    @workflow
    def wf() -> int:
        return add(a=1)
    """
    (message,) = messages(source, "DF001")
    assert "`add`" in message
    assert "@domino_task" in message and "DominoJobTask" in message


def test_star_import_from_domino_flows_resolves_domino_names() -> None:
    source = """
    from domino_flows import *

    @domino_task(environment="E", hardware_tier="S", cache=True)
    def prep(rows) -> int:
        return rows
    """
    assert hits(source) == [(4, "DF014"), (5, "DF005")]


# -- DF002 ---------------------------------------------------------------------------------------


def test_workflow_parameters_are_promises_but_rebound_names_are_not() -> None:
    source = """
    from flytekit import workflow

    @workflow
    def wf(flag: bool = True, n: int = 1) -> int:
        if flag:
            pass
        n = 3
        if n > 2:
            pass
        return n
    """
    assert hits(source) == [(6, "DF002")]


def test_dynamic_bodies_may_branch_on_inputs() -> None:
    source = """
    from flytekit import dynamic
    import domino_flows

    @dynamic
    def fan(n: int) -> int:
        if n > 2:
            return n
        return 0
    """
    # Domino Flows does not run @dynamic (DF013), but branching in it is not DF002.
    assert [rule for _, rule in hits(source)] == ["DF013"]


def test_promise_message_names_the_variable_and_suggests_conditional() -> None:
    source = """
    from flytekit import workflow
    from domino_flows import domino_task

    @domino_task(environment="E", hardware_tier="S")
    def score(n: int) -> float:
        return n / 2

    @workflow
    def wf() -> float:
        accuracy = score(n=1)
        if accuracy > 0.9:
            accuracy = score(n=2)
        return accuracy
    """
    (message,) = messages(source, "DF002")
    assert "`accuracy`" in message and "workflow `wf`" in message
    assert "conditional(" in message


def test_type_checks_on_promises_are_allowed() -> None:
    source = """
    from flytekit import workflow
    from domino_flows import domino_task

    @domino_task(environment="E", hardware_tier="S")
    def ok() -> bool:
        return True

    @workflow
    def wf(flag: bool = True) -> None:
        result = ok()
        assert isinstance(result, object)
        if hasattr(result, "ref") and flag:
            pass
    """
    assert hits(source) == [(13, "DF002")]


def test_task_call_result_used_directly_in_a_test_is_a_promise() -> None:
    source = """
    from flytekit import workflow
    from domino_flows import domino_task

    @domino_task(environment="E", hardware_tier="S")
    def ok() -> bool:
        return True

    @workflow
    def wf() -> None:
        if ok():
            pass
    """
    assert hits(source) == [(11, "DF002")]


# -- DF003 / DF004 / DF005 -----------------------------------------------------------------------


def test_nondeterminism_is_only_reported_in_workflows() -> None:
    source = """
    import random
    from flytekit import workflow

    SEED = random.randint(0, 9)

    def helper() -> int:
        return random.randint(0, 9)

    @workflow
    def wf() -> None:
        x = random.random()
    """
    assert hits(source) == [(12, "DF003")]


def test_local_variable_named_like_a_module_is_not_resolved() -> None:
    source = """
    from flytekit import workflow

    @workflow
    def wf(seed: int = 1) -> None:
        time = {"time": 1}
    """
    assert hits(source) == []


def test_positional_message_suggests_the_keywords() -> None:
    source = """
    from flytekit import workflow
    from domino_flows import domino_task

    @domino_task(environment="E", hardware_tier="S")
    def prepare(rows: int, seed: int) -> int:
        return rows

    @workflow
    def wf(rows: int = 3) -> int:
        return prepare(rows, 7)
    """
    (message,) = messages(source, "DF004")
    assert "`prepare(rows=rows, seed=7)`" in message
    assert "2 positional arguments" in message


def test_missing_return_annotation_is_fine_when_nothing_is_returned() -> None:
    source = """
    from domino_flows import domino_task

    @domino_task(environment="E", hardware_tier="S")
    def log(message: str):
        print(message)
        return

    @domino_task(environment="E", hardware_tier="S")
    def count(message: str):
        return len(message)
    """
    assert hits(source) == [(10, "DF005")]


# -- DF006 ---------------------------------------------------------------------------------------

LEAKED = "603d2f07ed65bbb3be5bdf97ef5f10074a555febabd1fd9d1bdf284ab7ec5d27"


def test_credential_message_never_contains_the_value() -> None:
    source = f"""
    api_key = "{LEAKED}"
    """
    (message,) = messages(source, "DF006")
    assert LEAKED not in message
    assert LEAKED[4:12] not in message
    assert "`603d…`" in message and "`api_key`" in message


def test_redact_keeps_only_four_characters() -> None:
    assert redact(LEAKED) == "603d…"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("ApiKey", True),
        ("X-Domino-Api-Key", True),
        ("DOMINO_USER_API_KEY", True),
        ("db_password", True),
        ("client_secret", True),
        ("access_token", True),
        ("token_url", False),
        ("secret_name", False),
        ("API_KEY_ENV", False),
        ("tokenizer", False),
        ("max_tokens", False),
        ("monkey", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    ("literal", "kept"),
    [
        ('"hunter2!"', "hunter2!"),
        ('"Bearer abcdef123456"', "abcdef123456"),
        ('""', None),
        ('"short"', None),
        ('"DOMINO_USER_API_KEY"', None),
        ('"<your key here>"', None),
        ('"changeme-please"', None),
        ('"fake-domino-api-key-0123456789abcdef"', None),
        ('"sk-UNIT-TEST-CANARY-0042"', None),
        ('"Contest2024!"', "Contest2024!"),
        ('"https://example.com/token"', None),
        ('"/var/run/secrets/token"', None),
        ("42", None),
    ],
)
def test_secret_values(literal: str, kept: str | None) -> None:
    import ast

    assert secret_value(ast.parse(literal, mode="eval").body) == kept


# -- DF007 / DF015 -------------------------------------------------------------------------------

UNPINNED = """
from domino_flows import DominoJobConfig, DominoJobTask

t = DominoJobTask(name="t", domino_job_config=DominoJobConfig(Command="x"), use_latest=True)
"""


def test_unpinned_is_off_outside_production_by_default() -> None:
    assert lint_source(UNPINNED, "flows/dev.py") == []


def test_unpinned_is_an_error_in_production_files() -> None:
    config = LintConfig(production=("flows/prod/**",))
    (finding,) = lint_source(UNPINNED, "flows/prod/nightly.py", config)
    assert (finding.rule, finding.severity, finding.line) == ("DF007", "error", 4)
    assert "task `t`" in finding.message and "use_latest=False" in finding.message
    assert lint_source(UNPINNED, "flows/dev/nightly.py", config) == []


def test_unpinned_opt_in_warning_outside_production() -> None:
    (finding,) = lint_source(UNPINNED, "flows/dev.py", ALL_RULES)
    assert (finding.rule, finding.severity) == ("DF015", "warning")


def test_unpinned_as_a_config_field_is_found_too() -> None:
    source = UNPINNED.replace(
        'DominoJobConfig(Command="x"), use_latest=True',
        'DominoJobConfig(Command="x", UseLatest=True)',
    )
    (finding,) = lint_source(source, "flows/dev.py", ALL_RULES)
    assert (finding.rule, finding.line) == ("DF015", 4)
    assert "`UseLatest=True` on `DominoJobConfig`" in finding.message


def test_production_marker_comment() -> None:
    source = "# domino-flows: production\n" + UNPINNED
    assert [f.rule for f in lint_source(source, "dev.py")] == ["DF007"]


# -- DF008 / DF012 helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("data", True),
        ("raw_df", True),
        ("csvContents", True),
        ("records_json", True),
        ("table_name", False),
        ("data_path", False),
        ("model_uri", False),
        ("accuracy", False),
    ],
)
def test_data_names(name: str, data: bool) -> None:
    assert is_data_name(name) is data


@pytest.mark.parametrize(
    ("annotation", "text"),
    [
        ("str", True),
        ("bytes", True),
        ("typing.Text", True),
        ("Optional[str]", True),
        ("str | None", True),
        ("'str'", True),
        ("int", False),
        ("FlyteFile", False),
        ("list[str]", False),
    ],
)
def test_text_types(annotation: str, text: bool) -> None:
    import ast

    assert is_text_type(ast.parse(annotation, mode="eval").body) is text


# -- DF009 / DF010 / DF011 -----------------------------------------------------------------------


def test_only_the_first_write_of_a_task_is_reported() -> None:
    source = """
    from domino_flows import domino_task

    @domino_task(environment="E", hardware_tier="S")
    def save(df: str) -> None:
        open("a.txt", "a").write(df)
        open("b.txt", mode="x").write(df)
    """
    assert hits(source) == [(6, "DF009")]


def test_mutation_of_a_global_in_a_helper_is_not_a_task_problem() -> None:
    source = """
    from domino_flows import domino_task
    CACHE = {}

    def remember(k: str) -> None:
        CACHE[k] = 1

    @domino_task(environment="E", hardware_tier="S")
    def run(k: str) -> str:
        CACHE = {}
        CACHE[k] = 2
        return k
    """
    assert hits(source) == []


def test_env_branching_message_names_the_variable() -> None:
    source = """
    import os
    from domino_flows import domino_task

    @domino_task(environment="E", hardware_tier="S")
    def run(n: int) -> int:
        return 1 if os.getenv("FAST") else n
    """
    (message,) = messages(source, "DF011")
    assert "environment variable `FAST`" in message and "task `run`" in message
    assert "task input" in message
