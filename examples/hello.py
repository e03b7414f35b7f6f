"""Hello, Domino Flows: two Python functions, each run as its own Domino Job.

Shows: ``@domino_task`` with an environment and a hardware tier, passing one task's output to the
next, and a workflow default input.

    domino-flows run examples/hello.py hello --input name=Ada
    python examples/hello.py
"""

from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def greet(name: str) -> str:
    return f"Hello, {name}!"


@domino_task(environment="Python 3.11", hardware_tier="Small")
def shout(greeting: str) -> str:
    return greeting.upper()


@workflow
def hello(name: str = "Domino") -> str:
    greeting = greet(name=name)
    return shout(greeting=greeting)


if __name__ == "__main__":
    print(hello(name="Domino"))
