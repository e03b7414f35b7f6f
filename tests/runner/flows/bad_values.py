"""Values Flyte cannot carry: a str output that is not UTF-8, an int beyond int64, and task
results of another type than the declared one (which flytekit refuses rather than converts)."""

from flytekit import workflow

from domino_flows import DominoJobConfig, DominoJobTask, domino_task

# Stage-script tasks: the job writes raw bytes into its output files, as any script may.
latin1_text = DominoJobTask(
    name="bad_values.latin1_text",
    domino_job_config=DominoJobConfig(
        Command="printf 'caf\\351' > \"$DOMINO_FLOWS_OUTPUTS_DIR/text\""
    ),
    inputs={"seed": int},
    outputs={"text": str},
)

huge_count = DominoJobTask(
    name="bad_values.huge_count",
    domino_job_config=DominoJobConfig(
        Command='printf 99999999999999999999 > "$DOMINO_FLOWS_OUTPUTS_DIR/count"'
    ),
    inputs={"seed": int},
    outputs={"count": int},
)


@domino_task
def double(n: int) -> int:
    return n * 2


@workflow
def text_flow(seed: int = 1) -> str:
    return latin1_text(seed=seed)


@workflow
def count_flow(seed: int = 1) -> int:
    return huge_count(seed=seed)


@workflow
def double_flow(n: int = 1) -> int:
    return double(n=n)


# Python tasks returning a value of another type than the one they declare.
@domino_task
def rounded(seed: int) -> int:
    return 3.7


@domino_task
def numeric_text(seed: int) -> int:
    return "42"


@domino_task
def no_text(seed: int) -> bool:
    return "no"


@workflow
def rounded_flow(seed: int = 1) -> int:
    return rounded(seed=seed)


@workflow
def numeric_text_flow(seed: int = 1) -> int:
    return numeric_text(seed=seed)


@workflow
def no_text_flow(seed: int = 1) -> bool:
    return no_text(seed=seed)
