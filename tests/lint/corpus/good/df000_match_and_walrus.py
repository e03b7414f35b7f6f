# ruff: noqa
# fmt: off
def classify(values: list[int]) -> str:
    if (n := len(values)) > 3:
        return "many"
    match n:
        case 0:
            return "none"
        case _:
            return "few"
