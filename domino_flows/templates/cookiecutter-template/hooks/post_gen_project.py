"""Remove the optional parts that were not chosen."""

import shutil
from pathlib import Path

GALLERY = "{{ cookiecutter.include_anti_pattern_gallery }}" == "yes"
LICENSE = "{{ cookiecutter.license }}"


def main() -> None:
    root = Path.cwd()
    if not GALLERY:
        shutil.rmtree(root / "anti_patterns")
        (root / "tests" / "test_anti_patterns.py").unlink()
    if LICENSE == "Proprietary":
        (root / "LICENSE").unlink()


if __name__ == "__main__":
    main()
