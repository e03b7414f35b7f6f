"""Tasks that misbehave on purpose, run by the entrypoint tests as real jobs."""

from domino_flows import domino_task


@domino_task
def explode(n: int) -> int:
    if n >= 0:
        raise ValueError(f"n must be negative, got {n}")
    return n


@domino_task
def chatty() -> str:
    return "x" * 5000


@domino_task
def pair(n: int) -> tuple[int, str]:
    return n + 1, f"n={n}"


@domino_task
def short_pair(n: int) -> tuple[int, str]:
    return (n,)  # type: ignore[return-value]


@domino_task
def scalar_pair(n: int) -> tuple[int, str]:
    return n  # type: ignore[return-value]
