"""Check the answers before anything is written; each message says what to type instead.

``domino-flows new`` imports this file and calls ``problems()`` itself before generating, so the
same rules apply with and without cookiecutter's prompts.
"""

import json
import keyword
import re
import sys
import unicodedata

PYTHON_VERSIONS = ("3.10", "3.11", "3.12")
LICENSES = ("Apache-2.0", "MIT", "BSD-3-Clause", "Proprietary")
# Package names that would shadow what the project imports or how its tests are laid out.
RESERVED_PACKAGES = {"domino_flows", "flytekit", "tests", "test", "anti_patterns", "scripts"}
SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
# The project's dependency on the kit: a version specifier, or a direct reference (PEP 508).
REQUIREMENT = re.compile(r"^domino[-_]flows\s*(\[[a-z,\s]+\])?\s*([<>=!~]=?\s*[0-9]|@\s*\S+|$)")
DOMINO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Free text lands in TOML and Python string literals: keep it on one line, without quotes.
# Longest accepted answers: longer ones would not fit the generated code's 100-column lines.
MAX_LENGTH = {"package_name": 40, "description": 90, "project_name": 80}
NAME_LENGTH = 60  # environments and hardware tiers
TEXT_FIELDS = (
    "project_name",
    "description",
    "author_name",
    "default_environment",
    "default_hardware_tier",
    "training_environment",
    "training_hardware_tier",
)


def _suggest_slug(text: str) -> str:
    # accents dropped, not the letters they sit on: "Flöws" -> "flows", not "fl-ws"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"flows-{slug}".strip("-")
    return slug


def problems(values: dict) -> list:
    """Every problem with the answers, as messages that name the answer and the fix."""
    found = []
    for name in TEXT_FIELDS:
        text = str(values.get(name, ""))
        if not text.strip():
            found.append(f"{name} is empty; give a name (--set {name}=...).")
        elif text != text.strip() or any(c in text for c in '"\\\n\r\t'):
            found.append(
                f"{name} {text!r} has surrounding spaces, quotes, backslashes or line breaks; "
                "write it on one line without them."
            )
    for name in TEXT_FIELDS + ("package_name",):
        limit = MAX_LENGTH.get(name, NAME_LENGTH)
        text = str(values.get(name, ""))
        if len(text) > limit:
            found.append(f"{name} is {len(text)} characters long; keep it to {limit}.")
    slug = str(values.get("project_slug", ""))
    if not SLUG.match(slug):
        found.append(
            f"project_slug {slug!r} is not a valid folder and distribution name: use lower-case "
            f"letters, digits and single hyphens, starting with a letter (e.g. "
            f"--set project_slug={_suggest_slug(slug)})."
        )
    package = str(values.get("package_name", ""))
    suggestion = _suggest_slug(package).replace("-", "_")
    if not PACKAGE.match(package) or not package.isidentifier():
        found.append(
            f"package_name {package!r} is not a valid Python package name: use lower-case "
            f"letters, digits and underscores, not starting with a digit (e.g. "
            f"--set package_name={suggestion})."
        )
    elif keyword.iskeyword(package):
        found.append(f"package_name {package!r} is a Python keyword; choose another name.")
    elif package in RESERVED_PACKAGES or package in getattr(sys, "stdlib_module_names", ()):
        found.append(
            f"package_name {package!r} would shadow the module of the same name that the "
            f"project imports or its layout uses; choose another name (e.g. {package}_flows)."
        )
    for name in ("domino_project_owner", "domino_project_name"):
        text = str(values.get(name, ""))
        if not DOMINO_NAME.match(text):
            found.append(
                f"{name} {text!r} is not a Domino name: use letters, digits, '-', '_' and '.', "
                "without spaces or slashes (the project is written as owner/name)."
            )
    requirement = str(values.get("domino_flows_requirement", ""))
    if not REQUIREMENT.match(requirement) or any(c in requirement for c in '"\\\n\r\t'):
        found.append(
            f"domino_flows_requirement {requirement!r} is not a requirement on domino-flows: "
            "write e.g. domino-flows>=0.1, or domino-flows @ git+https://host/repo.git@v0.1, "
            "domino-flows @ file:///path/to/domino_flows-0.1.0-py3-none-any.whl."
        )
    choices = (
        ("python_version", PYTHON_VERSIONS),
        ("include_anti_pattern_gallery", ("yes", "no")),
        ("license", LICENSES),
    )
    for name, allowed in choices:
        if values.get(name) not in allowed:
            found.append(f"{name} {values.get(name)!r} is not one of {', '.join(allowed)}.")
    return found


def main() -> None:
    values = json.loads({{ cookiecutter | jsonify | tojson }})
    found = problems(values)
    if found:
        for message in found:
            print(f"error: {message}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
