"""Stage scripts: tasks whose job command is your own script, as on Domino today.

Shows: ``DominoJobTask`` with a ``DominoJobConfig`` (environment and tier by name), scripts that
read ``/workflow/inputs`` and write ``/workflow/outputs`` through ``domino_flows.job``, a file
output and a directory output. The scripts import only the standard library and the installed
``domino_flows``, so their commands need no ``PYTHONPATH``; one that imported the project's own
packages would start ``PYTHONPATH="$PWD" python ...`` (lint rule DF012).

    domino-flows run examples/stage_scripts.py word_count_flow --input text="to be or not to be"
"""

from flytekit import workflow
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask

tokenize = DominoJobTask(
    name="tokenize",
    domino_job_config=DominoJobConfig(
        Command="python examples/scripts/tokenize_text.py",
        EnvironmentName="Python 3.11",
        HardwareTierName="Small",
    ),
    inputs={"text": str},
    outputs={"tokens": FlyteFile, "token_count": int},
)

count_words = DominoJobTask(
    name="count_words",
    domino_job_config=DominoJobConfig(
        Command="python examples/scripts/count_words.py",
        EnvironmentName="Python 3.11",
        HardwareTierName="Medium",
    ),
    inputs={"tokens": FlyteFile, "min_count": int},
    outputs={"counts": FlyteDirectory, "distinct": int},
)


@workflow
def word_count_flow(text: str = "to be or not to be", min_count: int = 1) -> int:
    tokenized = tokenize(text=text)
    counted = count_words(tokens=tokenized.tokens, min_count=min_count)
    return counted.distinct


if __name__ == "__main__":
    print(word_count_flow())
