"""What the package ships beside its code: one version, written once, and its type hints."""

from __future__ import annotations

import importlib.metadata
import tomllib
from importlib.resources import files
from pathlib import Path

import therabill

PYPROJECT = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))


def test_the_version_is_written_once_and_the_installed_metadata_agrees() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "therabill.__version__"
    }
    assert importlib.metadata.version("therabill") == therabill.__version__


def test_the_type_hints_ship_with_the_package() -> None:
    """PEP 561: ``py.typed`` in the package, and in the package data a wheel takes."""
    assert files("therabill").joinpath("py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["therabill"]
