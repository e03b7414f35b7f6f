"""Stored run inputs and outputs as text, read with flyteidl's protobuf classes only."""

import datetime as dt

from flytekit.core.context_manager import FlyteContextManager
from flytekit.types.file import FlyteFile

from domino_flows.runner import values
from domino_flows.runner.literal_text import literal_map_text


def test_values_of_every_kind_read_as_text(tmp_path):
    data = tmp_path / "rows.csv"
    data.write_text("1\n")
    python_values = {
        "n": 3,
        "rate": 0.5,
        "name": "churn",
        "flag": True,
        "when": dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc),
        "wait": dt.timedelta(minutes=5),
        "xs": [1, 2],
        "m": {"a": 1.5},
        "maybe": None,
        "data": FlyteFile(str(data)),
        "params": {"alpha": 1, "layers": [2, 3]},
    }
    types = {
        "n": int,
        "rate": float,
        "name": str,
        "flag": bool,
        "when": dt.datetime,
        "wait": dt.timedelta,
        "xs": list[int],
        "m": dict[str, float],
        "maybe": int | None,
        "data": FlyteFile,
        "params": dict,
    }
    ctx = FlyteContextManager.current_context()
    encoded = values.encode(values.to_literals(ctx, python_values, types))
    text = literal_map_text(encoded)
    assert text["n"] == "3" and text["rate"] == "0.5" and text["name"] == "'churn'"
    assert text["flag"] == "True"
    assert text["when"] == "2024-05-01T12:00:00Z" and text["wait"] == "300s"
    assert text["xs"] == "[1, 2]" and text["m"] == "{'a': 1.5}"
    assert text["maybe"] == "None"
    assert text["data"].endswith("rows.csv")
    assert '"alpha": 1' in text["params"] and '"layers": [2' in text["params"]
    assert list(text) == sorted(text)


def test_nothing_stored_reads_as_nothing_and_long_values_are_cut():
    assert literal_map_text(None) == {} and literal_map_text(b"") == {}
    ctx = FlyteContextManager.current_context()
    encoded = values.encode(values.to_literals(ctx, {"s": "x" * 500}, {"s": str}))
    shown = literal_map_text(encoded)["s"]
    assert len(shown) == 200 and shown.endswith("...")


def test_binary_values_that_are_not_messagepack_say_what_they_are():
    from flyteidl.core import literals_pb2

    literal_map = literals_pb2.LiteralMap()
    literal_map.literals["blob"].scalar.binary.value = b"\x00\x01\x02"
    literal_map.literals["blob"].scalar.binary.tag = "pickle"
    literal_map.literals["bad"].scalar.binary.value = b"\xc1"  # never valid MessagePack
    literal_map.literals["bad"].scalar.binary.tag = "msgpack"
    shown = literal_map_text(literal_map.SerializeToString())
    assert shown["blob"] == "<3 bytes (pickle)>"
    assert shown["bad"].startswith("<1 bytes of MessagePack: ")
