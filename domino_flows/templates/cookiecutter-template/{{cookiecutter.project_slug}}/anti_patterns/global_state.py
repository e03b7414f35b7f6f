"""Anti-pattern: tasks that share module-level state.

Why it hurts: every task runs as its own Domino Job, in a fresh process. A task that appends to a
module-level list changes only its own copy: the next task never sees it, and it is lost when the
job ends. Run in one local process it seems to work, which makes the bug hard to find.

Fix: pass values in as task inputs and hand results on as outputs.

domino-flows lint: DF010 (module-state-mutation).
"""

from flytekit import workflow

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"

# --- bad: a module-level list shared between tasks --------------------------------------------

SEEN_CUSTOMERS: list[str] = []


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def bad_register(customer: str) -> int:
    SEEN_CUSTOMERS.append(customer)
    return len(SEEN_CUSTOMERS)


@workflow
def bad_flow(first: str = "ada", second: str = "grace") -> int:
    bad_register(customer=first)
    return bad_register(customer=second)  # 2 in one local process, 1 on Domino


# --- good: the data goes in as an input, the result comes out as an output -------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def good_count(customers: list[str]) -> int:
    return len(set(customers))


@workflow
def good_flow(customers: list[str]) -> int:
    return good_count(customers=customers)
