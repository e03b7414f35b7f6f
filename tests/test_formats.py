"""Domino's text formats: the exact bytes a job reads and writes."""

import datetime as dt

import pytest

from domino_flows.contract import formats
from domino_flows.contract.formats import FormatError


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(hours=72, minutes=10), "72h10m0s"),
        (dt.timedelta(0), "0s"),
        (dt.timedelta(seconds=1.5), "1.5s"),
        (dt.timedelta(milliseconds=250), "250ms"),
        (dt.timedelta(microseconds=1500), "1.5ms"),
        (dt.timedelta(microseconds=7), "7µs"),
        (dt.timedelta(minutes=1, seconds=30), "1m30s"),
        (dt.timedelta(hours=1), "1h0m0s"),
        (-dt.timedelta(minutes=2), "-2m0s"),
    ],
)
def test_go_durations(value, text):
    assert formats.format_duration(value) == text
    assert formats.parse_duration(text) == value


@pytest.mark.parametrize("text", ["1h30m", "90m", "5400s", "1.5h"])
def test_go_duration_spellings_parse(text):
    assert formats.parse_duration(text) == dt.timedelta(minutes=90)


@pytest.mark.parametrize("text", ["", "10", "1 hour", "5x", "h", "1h-2m"])
def test_bad_durations_say_what_was_expected(text):
    with pytest.raises(FormatError, match="expected a Go duration"):
        formats.parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (2.5, "2.5"), (0.1, "0.1"), (1e21, "1e+21"), (-3.25, "-3.25")],
)
def test_floats_use_shortest_text(value, text):
    assert formats.format_float(value) == text
    assert formats.parse_float(text) == value


def test_float_specials_round_trip():
    assert formats.format_float(float("inf")) == "+Inf"
    assert formats.parse_float("+Inf") == float("inf")
    assert formats.parse_float("-Inf") == float("-inf")
    assert formats.format_float(float("nan")) == "NaN"


def test_bools_are_lower_case():
    assert formats.format_bool(True) == "true"
    assert formats.format_bool(False) == "false"
    assert formats.parse_bool("TRUE\n") is True
    with pytest.raises(FormatError, match="expected 'true' or 'false', found 'yes'"):
        formats.parse_bool("yes")


def test_ints_tolerate_a_trailing_newline_only():
    assert formats.parse_int("42\n") == 42
    with pytest.raises(FormatError, match="expected a whole number, found '4.2'"):
        formats.parse_int("4.2")


def test_datetimes_are_rfc3339_utc():
    value = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
    assert formats.format_datetime(value) == "2024-05-01T12:30:00Z"
    assert formats.parse_datetime("2024-05-01T12:30:00Z") == value
    # naive values are UTC; other offsets are converted
    assert formats.format_datetime(dt.datetime(2024, 5, 1, 12, 30)) == "2024-05-01T12:30:00Z"
    plus_two = dt.datetime(2024, 5, 1, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert formats.format_datetime(plus_two) == "2024-05-01T12:30:00Z"


def test_datetimes_with_nanoseconds_parse():
    parsed = formats.parse_datetime("2024-05-01T12:30:00.123456789Z")
    assert parsed.microsecond == 123456


def test_bad_datetime_message():
    with pytest.raises(FormatError, match="expected an RFC 3339 time"):
        formats.parse_datetime("yesterday")


@pytest.mark.parametrize("name", ["../escape", "a/b", "", "1st", "with space", "x.y"])
def test_names_that_are_not_identifiers_are_refused(name):
    with pytest.raises(FormatError, match="is not a Python identifier"):
        formats.check_name(name, "input")


def test_error_file_name_is_reserved():
    with pytest.raises(FormatError, match="reserved"):
        formats.check_name("_ERROR", "output")


@pytest.mark.parametrize("key", ["", "a/b", "..", ".", "a\\b"])
def test_map_keys_must_be_file_names(key):
    with pytest.raises(FormatError, match="cannot be a file name"):
        formats.check_key(key, "input 'm'")


def test_primitive_output_found_by_name_or_single_extension(tmp_path):
    assert formats.find_primitive_output(tmp_path, "accuracy") is None
    (tmp_path / "accuracy.txt").write_text("0.9")
    assert formats.find_primitive_output(tmp_path, "accuracy") == tmp_path / "accuracy.txt"
    (tmp_path / "accuracy.json").write_text("0.9")
    with pytest.raises(FormatError, match="found accuracy.json, accuracy.txt"):
        formats.find_primitive_output(tmp_path, "accuracy")
    (tmp_path / "accuracy").write_text("0.8")
    assert formats.find_primitive_output(tmp_path, "accuracy") == tmp_path / "accuracy"


def test_primitive_output_limit(tmp_path):
    path = tmp_path / "big"
    path.write_text("x" * 1024)
    assert formats.read_primitive_text(path, "big") == "x" * 1024
    path.write_text("x" * 1025)
    with pytest.raises(FormatError, match="1025 bytes; Domino reads primitive outputs of at most"):
        formats.read_primitive_text(path, "big")


def test_error_file_is_read_and_capped(tmp_path):
    assert formats.read_error_file(tmp_path) is None
    (tmp_path / "_ERROR").write_bytes(b"x" * (formats.ERROR_FILE_LIMIT + 10))
    text = formats.read_error_file(tmp_path)
    assert text.endswith("[... _ERROR truncated at 1 MiB]")
    assert text.count("x") == formats.ERROR_FILE_LIMIT


def test_contract_directories_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(formats.INPUTS_DIR_VARIABLE, raising=False)
    monkeypatch.delenv(formats.OUTPUTS_DIR_VARIABLE, raising=False)
    assert str(formats.inputs_dir()) == "/workflow/inputs"
    assert str(formats.outputs_dir()) == "/workflow/outputs"
    monkeypatch.setenv(formats.INPUTS_DIR_VARIABLE, str(tmp_path / "in"))
    monkeypatch.setenv(formats.OUTPUTS_DIR_VARIABLE, str(tmp_path / "out"))
    assert formats.inputs_dir() == tmp_path / "in"
    assert formats.outputs_dir() == tmp_path / "out"


def test_list_directories_are_read_in_item_order(tmp_path):
    for index in (10, 2, 0, 1):
        (tmp_path / str(index)).write_text(str(index))
    (tmp_path / ".hidden").write_text("x")
    assert [p.name for p in formats.list_entries(tmp_path)] == ["0", "1", "2", "10"]
    (tmp_path / "extra").write_text("x")
    with pytest.raises(FormatError, match="holds entries 0, 1, 2, ...; found 0, 1, 10, 2, extra"):
        formats.list_entries(tmp_path)
    with pytest.raises(FormatError, match="expected a directory at"):
        formats.map_entries(tmp_path / "0")


def test_int64_is_the_range_of_a_flyte_integer():
    assert formats.check_int64(2**63 - 1) == 2**63 - 1
    assert formats.check_int64(-(2**63)) == -(2**63)
    assert formats.format_int(-(2**63)) == "-9223372036854775808"
    for value in (2**63, -(2**63) - 1, 10**40):
        with pytest.raises(FormatError, match="outside the 64-bit integer range Flyte carries"):
            formats.check_int64(value)
        with pytest.raises(FormatError, match="outside the 64-bit"):
            formats.format_int(value)
    with pytest.raises(FormatError) as raised:
        formats.parse_int(str(10**100))
    assert "1000000000000000000000000000000000000..." in str(raised.value)  # long values are cut


def test_read_text_refuses_bytes_that_are_not_utf8(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text("naïve\n", encoding="utf-8")
    bad.write_bytes(b"ok\n\x80")
    assert formats.read_text(good) == "naïve\n"
    with pytest.raises(FormatError, match=r"bad is not UTF-8 text \(byte 0x80 at offset 3\)"):
        formats.read_text(bad)
    with pytest.raises(FormatError, match="not UTF-8"):
        formats.read_primitive_text(bad, "bad")
