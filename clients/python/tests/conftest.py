"""The `live` fixture (a real federation of the Swift binaries, see swift_federation.py), and each test's outcome
kept on its item so that the fixture can add the federation's logs to a failure's report."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from swift_federation import Federation, binaries, federation


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.report_call = report  # type: ignore[attr-defined]


@pytest.fixture
def live(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Federation]:
    """A controller and a combiner (mutual TLS) as processes; skips the test when the binaries are not built."""
    found = binaries()
    if found is None:
        pytest.skip("the Swift binaries are not built: run `swift build` at the repository's root (or set FEDGE_BIN_DIR)")
    with federation(tmp_path, found) as running:
        yield running
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            print(running.logs()[-30000:])  # shown with the failure
