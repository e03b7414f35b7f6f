"""The ``run_domino_job_task`` style: define and call a job task in one step, inside the workflow.

Shows: environment and hardware tier chosen by name, ``Input``/``Output`` specs, and reading a
single output by name (``prep["tokens"]``), as in Domino's documentation.

    domino-flows run examples/helper_style.py helper_flow
"""

from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import Input, Output, run_domino_job_task


@workflow
def helper_flow(text: str = "the quick brown fox jumps over the lazy dog") -> int:
    prep = run_domino_job_task(
        flyte_task_name="tokenize text",
        command="python examples/scripts/tokenize_text.py",
        inputs=[Input(name="text", type=str, value=text)],
        output_specs=[Output(name="tokens", type=FlyteFile), Output(name="token_count", type=int)],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
    )
    counted = run_domino_job_task(
        flyte_task_name="count words",
        command="python examples/scripts/count_words.py",
        inputs=[
            Input(name="tokens", type=FlyteFile, value=prep["tokens"]),
            Input(name="min_count", type=int, value=1),
        ],
        output_specs=[Output(name="distinct", type=int)],
        environment_name="Python 3.11",
        hardware_tier_name="Medium",
    )
    return counted["distinct"]


if __name__ == "__main__":
    print(helper_flow())
