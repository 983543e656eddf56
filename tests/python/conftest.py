"""Shared helpers of the Python package's tests: the CLI binary of the same build tree."""
import os
import pathlib

import pytest

import peakscope


@pytest.fixture(scope="session")
def cli() -> str:
    """peakscope-cli of the build tree the package was imported from (ctest passes it as
    PEAKSCOPE_CLI; otherwise build/python/peakscope/../../app/peakscope-cli)."""
    path = os.environ.get("PEAKSCOPE_CLI") or str(
        pathlib.Path(peakscope.__file__).resolve().parents[2] / "app" / "peakscope-cli"
    )
    assert os.access(path, os.X_OK), f"peakscope-cli not found at {path} (set PEAKSCOPE_CLI)"
    return path
