"""An installed secops carries its own rules and index mappings, not only a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from secops.detect.loader import BUILTIN_RULES, rule_files

REPO = Path(__file__).resolve().parents[1]


def test_the_rules_the_checkout_loads_are_those_of_rules_dir() -> None:
    assert (REPO / "rules").resolve() == BUILTIN_RULES


def test_the_wheel_carries_every_rule_and_mapping(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("secops-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {
        f"secops/builtin_rules/{p.relative_to(BUILTIN_RULES)}" for p in rule_files([BUILTIN_RULES])
    }
    assert rules, "no rules found in the checkout"
    assert rules <= names, sorted(rules - names)
    mappings = {
        f"secops/store/mappings/{p.name}" for p in (REPO / "secops/store/mappings").glob("*.json")
    }
    assert mappings
    assert mappings <= names
