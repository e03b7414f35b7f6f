"""Values and the exact files Domino uses for them (reference section 4), shared by the tests of
contract/values.py and job.py so the two cannot drift apart."""

import datetime as dt

UTC = dt.timezone.utc

# (python type, value, the text Domino keeps in the file)
PRIMITIVE_CASES = [
    (str, "hello\nworld", "hello\nworld"),
    (str, "", ""),
    (int, 42, "42"),
    (int, -7, "-7"),
    (int, 2**63 - 1, "9223372036854775807"),
    (int, -(2**63), "-9223372036854775808"),
    (float, 2.5, "2.5"),
    (float, 3.0, "3"),
    (bool, True, "true"),
    (bool, False, "false"),
    (dt.datetime, dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC), "2024-05-01T12:00:00Z"),
    (dt.timedelta, dt.timedelta(hours=72, minutes=10), "72h10m0s"),
]

# (python type, text in the file, why it must be refused)
BAD_PRIMITIVE_CASES = [
    (int, "forty-two", "expected a whole number"),
    (int, "9223372036854775808", "outside the 64-bit integer range Flyte carries"),
    (int, "-9223372036854775809", "outside the 64-bit integer range Flyte carries"),
    (float, "fast", "expected a number"),
    (bool, "yes", "expected 'true' or 'false'"),
    (dt.datetime, "tomorrow", "expected an RFC 3339 time"),
    (dt.timedelta, "3 hours", "expected a Go duration"),
]
