"""The job I/O contract: every type Domino carries, written and read back, and its failure rules."""

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Optional

import pytest
from contract_cases import BAD_PRIMITIVE_CASES, PRIMITIVE_CASES
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from domino_flows import MODEL, Artifact
from domino_flows.contract import values as contract
from domino_flows.core.errors import ContractError, TaskFailedError


@dataclasses.dataclass
class Params:
    alpha: float
    layers: list[int]
    name: str = "model"


@pytest.mark.parametrize(("python_type", "value", "text"), PRIMITIVE_CASES)
def test_primitives_are_plain_text(tmp_path, python_type, value, text):
    contract.write_inputs(tmp_path, {"x": value}, {"x": python_type})
    assert (tmp_path / "x").read_text() == text
    assert contract.read_inputs(tmp_path, {"x": python_type}) == {"x": value}


@pytest.mark.parametrize(("python_type", "text", "why"), BAD_PRIMITIVE_CASES)
def test_unparseable_inputs_name_the_input_and_type(tmp_path, python_type, text, why):
    (tmp_path / "x").write_text(text)
    with pytest.raises(ContractError) as raised:
        contract.read_inputs(tmp_path, {"x": python_type}, task="train")
    message = str(raised.value)
    assert f"task 'train' input 'x' at {tmp_path / 'x'} is not a {python_type.__name__}" in message
    assert why in message


def test_none_and_optional(tmp_path):
    types = {"a": Optional[int], "b": int | None, "c": type(None)}  # noqa: UP045 - both spellings
    contract.write_inputs(tmp_path, {"a": None, "b": 5, "c": None}, types)
    assert (tmp_path / "a").read_text() == "null"
    assert (tmp_path / "c").read_text() == "null"
    assert contract.read_inputs(tmp_path, types) == {"a": None, "b": 5, "c": None}


def test_untyped_dict_and_dataclass_are_json(tmp_path):
    types = {"config": dict, "params": Params}
    values = {"config": {"a": 1, "b": [1, 2]}, "params": Params(0.5, [3, 4])}
    contract.write_inputs(tmp_path, values, types)
    assert json.loads((tmp_path / "config").read_text()) == {"a": 1, "b": [1, 2]}
    assert json.loads((tmp_path / "params").read_text()) == {
        "alpha": 0.5,
        "layers": [3, 4],
        "name": "model",
    }
    assert contract.read_inputs(tmp_path, types) == values


def test_list_is_a_directory_of_indexed_entries_recursively(tmp_path):
    value = [[1, 2], [3]]
    contract.write_inputs(tmp_path, {"xs": value}, {"xs": list[list[int]]})
    assert (tmp_path / "xs" / "0" / "1").read_text() == "2"
    assert (tmp_path / "xs" / "1" / "0").read_text() == "3"
    # entries are ordered by number, not by name ("10" after "9")
    many = list(range(12))
    contract.write_inputs(tmp_path / "m", {"ys": many}, {"ys": list[int]})
    assert contract.read_inputs(tmp_path / "m", {"ys": list[int]}) == {"ys": many}
    assert contract.read_inputs(tmp_path, {"xs": list[list[int]]}) == {"xs": value}


def test_typed_dict_is_a_directory_of_keys(tmp_path):
    value = {"train": 0.8, "test": 0.2}
    contract.write_inputs(tmp_path, {"split": value}, {"split": dict[str, float]})
    assert (tmp_path / "split" / "train").read_text() == "0.8"
    assert contract.read_inputs(tmp_path, {"split": dict[str, float]}) == {"split": value}


def test_map_keys_cannot_escape(tmp_path):
    with pytest.raises(ContractError, match="map key '../x' cannot be a file name"):
        contract.write_inputs(tmp_path, {"m": {"../x": 1}}, {"m": dict[str, int]})


def test_files_and_directories_are_copied_in(tmp_path):
    source = tmp_path / "data.csv"
    source.write_text("a,b\n1,2\n")
    folder = tmp_path / "images"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / "one.txt").write_text("1")
    inputs = tmp_path / "inputs"
    types = {"data": FlyteFile, "images": FlyteDirectory, "typed": FlyteFile["csv"]}
    values = {
        "data": FlyteFile(str(source)),
        "images": FlyteDirectory(str(folder)),
        "typed": source,
    }
    contract.write_inputs(inputs, values, types)
    assert (inputs / "data").read_text() == "a,b\n1,2\n"
    assert (inputs / "images" / "nested" / "one.txt").read_text() == "1"
    read = contract.read_inputs(inputs, types)
    assert isinstance(read["data"], FlyteFile)
    assert Path(read["data"].path).read_text() == "a,b\n1,2\n"
    assert isinstance(read["images"], FlyteDirectory)
    assert (inputs / "images" / "nested" / "one.txt").exists()


def test_missing_source_file(tmp_path):
    with pytest.raises(ContractError, match="input 'data' \\(FlyteFile\\): file .* does not exist"):
        contract.write_inputs(tmp_path / "in", {"data": tmp_path / "nope"}, {"data": FlyteFile})


def test_dataframes_round_trip_as_parquet_directories(tmp_path):
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pandas.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    contract.write_inputs(tmp_path, {"df": frame}, {"df": pandas.DataFrame})
    assert (tmp_path / "df").is_dir()
    read = contract.read_inputs(tmp_path, {"df": pandas.DataFrame})["df"]
    pandas.testing.assert_frame_equal(read, frame)


def test_missing_input_names_the_path(tmp_path):
    with pytest.raises(ContractError, match=r"task 'prep' input 'rows' is missing: expected it at"):
        contract.read_inputs(tmp_path, {"rows": int}, task="prep")


def test_unsupported_types_are_named(tmp_path):
    with pytest.raises(ContractError, match="set cannot travel through Domino's job I/O contract"):
        contract.kind_of(set)
    with pytest.raises(ContractError, match="a bare list has no element type"):
        contract.kind_of(list)
    with pytest.raises(ContractError, match="only Optional\\[T\\] is supported"):
        contract.kind_of(int | str)


def test_artifact_files_are_carried_as_files():
    assert contract.kind_of(Artifact("m", MODEL).File(name="model.pkl")) == "file"


# --- outputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("python_type", "value", "text"), PRIMITIVE_CASES)
def test_outputs_round_trip(tmp_path, python_type, value, text):
    contract.write_outputs(tmp_path, {"y": value}, {"y": python_type})
    assert (tmp_path / "y").read_text() == text
    assert contract.read_outputs(tmp_path, {"y": python_type}) == {"y": value}


def test_outputs_accept_one_extension(tmp_path):
    (tmp_path / "accuracy.txt").write_text("0.93\n")
    assert contract.read_outputs(tmp_path, {"accuracy": float}) == {"accuracy": 0.93}


def test_two_candidate_output_files_are_refused(tmp_path):
    (tmp_path / "accuracy.txt").write_text("0.93")
    (tmp_path / "accuracy.csv").write_text("0.93")
    with pytest.raises(TaskFailedError, match="write exactly one file named accuracy"):
        contract.read_outputs(tmp_path, {"accuracy": float}, task="eval")


def test_primitive_outputs_over_1024_bytes_fail(tmp_path):
    (tmp_path / "summary").write_text("x" * 2000)
    with pytest.raises(TaskFailedError) as raised:
        contract.read_outputs(tmp_path, {"summary": str}, task="report")
    assert "task 'report' output 'summary' (str)" in str(raised.value)
    assert "2000 bytes" in str(raised.value)
    assert "FlyteFile" in str(raised.value)


def test_writing_a_large_primitive_output_fails_and_leaves_nothing(tmp_path):
    with pytest.raises(ContractError, match="output 'summary' is 2000 bytes"):
        contract.write_outputs(tmp_path, {"summary": "x" * 2000}, {"summary": str}, task="report")
    assert not (tmp_path / "summary").exists()


def test_error_file_fails_the_task_with_its_content(tmp_path):
    (tmp_path / "_ERROR").write_text("input table was empty\n")
    (tmp_path / "y").write_text("1")
    with pytest.raises(
        TaskFailedError, match="task 'load' failed with _ERROR: input table was empty"
    ):
        contract.read_outputs(tmp_path, {"y": int}, task="load")


def test_missing_output_names_output_and_path(tmp_path):
    with pytest.raises(TaskFailedError) as raised:
        contract.read_outputs(tmp_path, {"model": FlyteFile}, task="train")
    message = str(raised.value)
    assert "task 'train' did not write its output 'model'" in message
    assert str(tmp_path / "model") in message


def test_file_and_directory_outputs(tmp_path):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "model").write_bytes(b"\x00weights")
    (outputs / "plots").mkdir()
    (outputs / "plots" / "a.png").write_bytes(b"png")
    read = contract.read_outputs(outputs, {"model": FlyteFile, "plots": FlyteDirectory})
    assert Path(read["model"].path).read_bytes() == b"\x00weights"
    assert isinstance(read["plots"], FlyteDirectory)


def test_datetimes_are_read_back_aware():
    naive = dt.datetime(2024, 1, 1)
    assert contract.kind_of(dt.datetime) == "datetime"
    assert naive.replace(tzinfo=dt.timezone.utc).tzinfo is dt.timezone.utc


def test_file_outputs_keep_the_name_their_type_declares(tmp_path):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    for name in ("model", "table", "blob"):
        (outputs / name).write_text(name)
    types = {
        "model": Artifact("Churn model", MODEL).File(name="model.json"),
        "table": FlyteFile["csv"],
        "blob": FlyteFile,
    }
    values = contract.read_outputs(outputs, types)
    assert Path(values["model"].path).name == "model.json"
    assert Path(values["table"].path).name == "table.csv"
    assert Path(values["blob"].path) == outputs / "blob"  # nothing declared: the contract's name
    assert Path(values["model"].path).read_text() == "model"
    assert sorted(p.name for p in outputs.iterdir()) == ["blob", "model", "table"]
    assert isinstance(values["table"], FlyteFile)
    again = contract.read_outputs(outputs, types)  # a second read (a resumed run) reuses the link
    assert again["model"].path == values["model"].path


@pytest.mark.parametrize("file_name", ["text", "text.txt"])
def test_a_str_output_that_is_not_utf8_fails_the_task_naming_the_output(tmp_path, file_name):
    (tmp_path / file_name).write_bytes(b"caf\xe9")  # Latin-1, as an old script may write it
    with pytest.raises(TaskFailedError) as raised:
        contract.read_outputs(tmp_path, {"text": str}, task="report")
    message = str(raised.value)
    assert message.startswith("task 'report' output 'text' (str): ")
    assert "is not UTF-8 text (byte 0xe9 at offset 3)" in message
    assert "must be UTF-8 text" in message


def test_inputs_that_are_not_utf8_are_contract_errors(tmp_path):
    (tmp_path / "name").write_bytes(b"\xff\xfe")
    (tmp_path / "params").write_bytes(b'{"alpha": "\xff"}')
    for name, python_type in (("name", str), ("params", Params)):
        with pytest.raises(ContractError, match=f"task 'train' input '{name}' .*not UTF-8"):
            contract.read_inputs(tmp_path, {name: python_type}, task="train")


def test_an_int_output_beyond_int64_fails_the_task_with_the_range(tmp_path):
    (tmp_path / "count").write_text("99999999999999999999\n")
    with pytest.raises(TaskFailedError) as raised:
        contract.read_outputs(tmp_path, {"count": int}, task="tally")
    message = str(raised.value)
    assert message.startswith("task 'tally' output 'count' (int): 99999999999999999999 is outside")
    assert "(-9223372036854775808 to 9223372036854775807)" in message


def test_writing_an_int_beyond_int64_is_refused_before_the_job_ends(tmp_path):
    with pytest.raises(ContractError, match="task 'tally' output 'count' \\(int\\) cannot be"):
        contract.write_outputs(tmp_path, {"count": 2**64}, {"count": int}, task="tally")
    with pytest.raises(ContractError, match="input 'n' \\(int\\): .*64-bit integer range"):
        contract.write_inputs(tmp_path / "in", {"n": -(2**63) - 1}, {"n": int})


@pytest.mark.parametrize(
    ("python_type", "value", "got"),
    [
        (int, 3.7, "got float 3.7"),
        (int, "42", "got str '42'"),
        (bool, "no", "got str 'no'"),
        # flytekit converts nothing, not even to a wider type or from a subclass
        (int, True, "got bool True"),
        (float, 3, "got int 3"),
        (bool, 1, "got int 1"),
        (str, 5, "got int 5"),
        (dt.datetime, dt.date(2024, 5, 1), "got date datetime.date(2024, 5, 1)"),
        (dt.timedelta, 60, "got int 60"),
        (int, None, "got NoneType None"),
        (FlyteFile, 3, "got int 3"),
        (FlyteDirectory, b"/tmp", "got bytes b'/tmp'"),
    ],
)
def test_an_output_of_another_type_than_declared_is_refused_in_one_line(
    tmp_path, python_type, value, got
):
    with pytest.raises(ContractError) as raised:
        contract.write_outputs(tmp_path, {"o0": value}, {"o0": python_type}, task="t")
    message = str(raised.value)
    assert message.startswith(
        f"task 't' output 'o0' ({contract.describe(python_type)}) {got}; return a "
    )
    assert "\n" not in message
    assert not (tmp_path / "o0").exists()


def test_outputs_of_the_declared_type_are_written(tmp_path):
    source = tmp_path / "data.csv"
    source.write_text("a\n1\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    types = {"f": FlyteFile, "p": FlyteFile, "d": FlyteDirectory, "x": float, "n": int}
    values = {"f": FlyteFile(str(source)), "p": str(source), "d": folder, "x": 1.0, "n": 2}
    contract.write_outputs(tmp_path / "out", values, types)
    assert (tmp_path / "out" / "p").read_text() == "a\n1\n"
    assert (tmp_path / "out" / "x").read_text() == "1"
    assert (tmp_path / "out" / "n").read_text() == "2"


@pytest.mark.parametrize("where", ["file", "inside-directory", "primitive", "broken"])
def test_an_output_that_is_a_symbolic_link_is_refused(tmp_path: Path, where: str) -> None:
    secret = tmp_path / "elsewhere" / "id_rsa"
    secret.parent.mkdir()
    secret.write_text("not for the outputs")
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    types: dict = {"out": FlyteFile}
    if where == "file":
        (outputs / "out").symlink_to(secret)
    elif where == "inside-directory":
        (outputs / "out").mkdir()
        (outputs / "out" / "ok.txt").write_text("fine")
        (outputs / "out" / "key").symlink_to(secret)
        types = {"out": FlyteDirectory}
    elif where == "primitive":
        (outputs / "out").symlink_to(secret)
        types = {"out": str}
    else:
        (outputs / "out").symlink_to(tmp_path / "gone")
    with pytest.raises(TaskFailedError, match=r"task 'train' output 'out': .* is a symbolic link"):
        contract.read_outputs(outputs, types, "train")
