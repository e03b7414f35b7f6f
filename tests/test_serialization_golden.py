"""Golden files: the examples serialized by flytekit's own translator (the path of ``pyflyte
register`` and ``pyflyte package``). Regenerate with DOMINO_FLOWS_UPDATE_GOLDEN=1 after an
intended change, and review the diff."""

import json
import os
from pathlib import Path

import pytest

from domino_flows.authoring import serialize
from domino_flows.authoring.loading import load_entity

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"

FLOWS = [
    ("examples/hello.py", "hello"),
    ("examples/ml_pipeline.py", "training_pipeline"),
    ("examples/stage_scripts.py", "word_count_flow"),
    ("examples/helper_style.py", "helper_flow"),
    ("examples/official_artifacts.py", "artifacts_flow"),
    ("examples/official_volumes.py", "volumes_flow"),
    ("examples/official_export.py", "export_flow"),
    # PathConfig and Input/Output(path=): custom paths in the typed interface's annotations
    ("tests/runner/flows/custom_paths.py", "paths_flow"),
]

FAKE_SECRETS = {
    "DOMINO_USER_API_KEY": "fake-api-key-4f1c2a9e8b7d6c5e4f3a2b1c0d9e8f7a",
    "DOMINO_API_PROXY": "http://fake-proxy-7e6d5c.local:8899",
    "DOMINO_TOKEN_FILE": "/tmp/fake-token-file-93ab",
}


@pytest.mark.parametrize(("file", "name"), FLOWS)
def test_examples_serialize_to_golden_files(file, name):
    entity = load_entity(ROOT / file, name)
    actual = serialize.stable_dicts(entity)
    golden = GOLDEN / f"{Path(file).stem}.{name}.json"
    if os.environ.get("DOMINO_FLOWS_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    expected = json.loads(golden.read_text())
    assert json.loads(json.dumps(actual, sort_keys=True)) == expected


def test_three_environments_and_tiers_in_the_custom_config():
    entity = load_entity(ROOT / "examples/ml_pipeline.py", "training_pipeline")
    templates = serialize.task_templates(serialize.serialize(entity))
    placement = {
        t.id.name.rsplit(".", 1)[1]: (t.custom["environmentName"], t.custom["hardwareTierName"])
        for t in templates
    }
    assert placement == {
        "prepare_data": ("Python 3.11", "Small"),
        "train": ("GPU Python 3.11", "Large"),
        "evaluate": ("Python 3.11", "Medium"),
    }
    assert all(t.type == "domino_job" for t in templates)


@pytest.mark.parametrize(("file", "name"), FLOWS)
def test_no_credential_appears_in_serialized_flows(file, name, monkeypatch):
    for variable, value in FAKE_SECRETS.items():
        monkeypatch.setenv(variable, value)
    entity = load_entity(ROOT / file, name)
    text = json.dumps(serialize.to_dicts(serialize.serialize(entity)))
    raw = b"".join(e.to_flyte_idl().SerializeToString() for e in serialize.serialize(entity))
    for value in FAKE_SECRETS.values():
        assert value not in text
        assert value.encode() not in raw
    lowered = text.lower()
    for word in ("apikey", "api_key", "x-domino-api-key", "authorization", "bearer"):
        assert word not in lowered


def test_flow_hash_is_stable_and_tracks_definition_changes():
    entity = load_entity(ROOT / "examples/ml_pipeline.py", "training_pipeline")
    assert serialize.flow_hash(entity) == serialize.flow_hash(entity)
    other = load_entity(ROOT / "examples/hello.py", "hello")
    assert serialize.flow_hash(entity) != serialize.flow_hash(other)
