"""Testing helpers: a fake Domino deployment on loopback and pytest fixtures around it.

    # conftest.py
    pytest_plugins = ["domino_flows.testing.fixtures"]

    def test_my_flow_on_domino(domino_env, tmp_path):
        domino_env.add_tree(PROJECT_ROOT)          # your code, as Domino would have it
        ...                                         # run the flow with the domino backend

The fake speaks the part of Domino's REST API the domino backend uses (see
:mod:`domino_flows.testing.fake_domino`), runs each job as a local subprocess and lets tests
inject faults.

It needs the ``testing`` extra (``pip install "domino-flows[testing]"``), which jobs never use.
"""

from importlib.util import find_spec

if find_spec("openapi_schema_validator") is None:
    # Checked before the fake is imported, so the message names the extra, not a module deep in it.
    raise ModuleNotFoundError(
        "domino_flows.testing needs openapi-schema-validator, which the fake Domino uses to check "
        'requests against Domino\'s API description: pip install "domino-flows[testing]" '
        '(or "domino-flows[test]" in a checkout of domino-flows).',
        name="openapi_schema_validator",
    )

from domino_flows.testing.fake_domino import (
    DEFAULT_API_KEY,
    DEFAULT_ENVIRONMENTS,
    DEFAULT_HARDWARE_TIERS,
    FakeDomino,
    FakeJob,
)
from domino_flows.testing.fake_domino_http import Fault

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_ENVIRONMENTS",
    "DEFAULT_HARDWARE_TIERS",
    "FakeDomino",
    "FakeJob",
    "Fault",
]
