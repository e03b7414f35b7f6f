# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask, run_domino_job_task

# the script imports `examples` from the repository root, which the job cannot import
cfg = DominoJobConfig(Command="python tests/lint/corpus/scripts/imports_the_repository.py")  # expect: DF012
official = DominoJobConfig(Command="python /mnt/code/tests/lint/corpus/scripts/imports_the_repository.py --x 1")  # expect: DF012
evaluate = run_domino_job_task(
    flyte_task_name="eval",
    command="python src/eval.py --split test",  # expect: DF012
)
positional = run_domino_job_task("eval2", "python src/eval2.py")  # expect: DF012
