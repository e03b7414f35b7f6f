"""Outputs of the other shape than declared, handed on as Domino's uploader takes them."""

from flytekit import workflow
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from domino_flows import Input, Output, run_domino_job_task

OUT = "/workflow/outputs"
IN = "/workflow/inputs"


@workflow
def shapes() -> tuple[str, str]:
    model = run_domino_job_task(
        "folder_for_a_file",
        f"mkdir {OUT}/model && printf w > {OUT}/model/weights && printf c > {OUT}/model/config",
        output_specs=[Output("model", FlyteFile)],
    )
    report = run_domino_job_task(
        "file_for_a_folder",
        f"printf text > {OUT}/report",
        output_specs=[Output("report", FlyteDirectory)],
    )
    listed = run_domino_job_task(
        "list_the_folder",
        f"ls {IN}/model | tr '\\n' ' ' > {OUT}/out",
        inputs=[Input("model", FlyteFile, model)],
        output_specs=[Output("out", str)],
    )
    inside = run_domino_job_task(
        "read_inside_the_folder",
        f"cat {IN}/report/report > {OUT}/out",
        inputs=[Input("report", FlyteDirectory, report)],
        output_specs=[Output("out", str)],
    )
    return listed, inside
