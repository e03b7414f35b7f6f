"""docs/architecture.md's table of layers names every folder and module of the layer contract, in
its order, and the contract covers every module of the package, so neither can drift from the
code."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "domino_flows"
# Entry points and package plumbing, outside the layers on purpose.
OUTSIDE = {"__init__", "__main__", "_version"}


def contract_layers() -> list[list[str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    (layers,) = [
        c["layers"]
        for c in config["tool"]["importlinter"]["contracts"]
        if c["type"] == "layers" and "containers" not in c
    ]
    return [
        [name.strip().removeprefix("domino_flows.") for name in layer.split("|")]
        for layer in layers
    ]


def table_modules() -> list[str]:
    """The modules the layers table names, top to bottom (``x.py`` and ``x/`` both as ``x``)."""
    text = (REPO / "docs" / "architecture.md").read_text()
    table = text.split("## Layers", 1)[1].split("\n\n| layer |", 1)[1].split("\n\n", 1)[0]
    names = []
    for row in table.splitlines()[2:]:
        cells = row.split("|")
        names += [
            n.removesuffix(".py").rstrip("/") for n in re.findall(r"`([\w/]+(?:\.py)?)`", cells[2])
        ]
    return names


def test_every_package_module_is_in_a_layer() -> None:
    layered = {name for layer in contract_layers() for name in layer}
    present = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.parent.name for p in PACKAGE.glob("*/__init__.py")
    }
    assert present - OUTSIDE - layered == set()
    assert layered - present == set()


def test_the_layers_table_names_the_contract_in_order() -> None:
    named = table_modules()
    order = [name for layer in contract_layers() for name in layer]
    assert sorted(named) == sorted(order)
    position = {name: i for i, name in enumerate(named)}
    for upper, lower in zip(contract_layers(), contract_layers()[1:], strict=False):
        assert max(position[n] for n in upper) < min(position[n] for n in lower), (upper, lower)


def test_each_layer_folder_orders_all_its_modules() -> None:
    """A folder's own contract names every module in it: a module left out would be unchecked."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    covered: dict[str, set[str]] = {}
    for contract in config["tool"]["importlinter"]["contracts"]:
        if "containers" in contract:
            (container,) = contract["containers"]
            covered[container] = {
                n.strip() for layer in contract["layers"] for n in layer.split("|")
            }
        elif contract["type"] == "independence":
            container = contract["modules"][0].rsplit(".", 1)[0]
            covered[container] = {m.rsplit(".", 1)[1] for m in contract["modules"]}
    assert covered
    for container, named in covered.items():
        folder = PACKAGE / container.removeprefix("domino_flows.")
        assert named == {p.stem for p in folder.glob("*.py")} - {"__init__"}, container
