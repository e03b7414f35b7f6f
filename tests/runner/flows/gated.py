"""approve, wait_for_input and sleep gates between job tasks."""

from datetime import timedelta

from flytekit import approve, sleep, wait_for_input, workflow

from domino_flows import Input, Output, run_domino_job_task


@workflow
def gated() -> str:
    model = run_domino_job_task(
        "make", "printf model-v1 > /workflow/outputs/out", output_specs=[Output("out", str)]
    )
    approved = approve(model, "publish", timeout=timedelta(hours=1))
    copies = wait_for_input("copies", timeout=timedelta(hours=1), expected_type=int)
    pause = sleep(timedelta(days=1))
    published = run_domino_job_task(
        "publish",
        'printf "$(cat /workflow/inputs/m) x$(cat /workflow/inputs/n)" > /workflow/outputs/out',
        inputs=[Input("m", str, approved), Input("n", int, copies)],
        output_specs=[Output("out", str)],
    )
    pause >> published
    return published
