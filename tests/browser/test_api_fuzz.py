"""Schemathesis over the OpenAPI document of a served demo: no input may cause a 500."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def _schemathesis(served, *options) -> list[str]:
    return [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        served["url"] + "/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {served['token']}",
        "--header",
        "X-Company: DEMO",
        "--checks",
        "not_a_server_error",
        *options,
    ]


def test_no_server_errors_in_stateful_sequences(served):
    """Sequences that follow the links schemathesis infers between operations (an id a create
    answers, used by the read, update, delete and actions on it)."""
    result = subprocess.run(
        _schemathesis(
            served,
            "--phases",
            "stateful",
            # scenarios: ~35 sequences in ~15 s; most random bodies are refused (422), so only
            # a few of the 1,500 inferred links are walked in a run of this size
            "--max-examples",
            "60",
            "--workers",
            "1",
            "--seed",
            "2026",
            "--generation-database",
            "none",
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "30",
            "--no-color",
        ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    failures = result.stdout.partition("= FAILURES =")[2].partition("Failures:")[0]
    report = (failures[:8000] or result.stdout[-6000:]) + result.stderr[-2000:]
    assert result.returncode == 0, report
    scenarios = re.search(r"Scenarios:\s+(\d+)", result.stdout)
    links = re.search(r"API Links:\s+(\d+) covered / (\d+) selected", result.stdout)
    assert scenarios and int(scenarios.group(1)) >= 10, result.stdout[-3000:]
    assert links and int(links.group(2)) > 1000, result.stdout[-3000:]  # links were inferred


def test_no_server_errors_under_schemathesis(served):
    result = subprocess.run(
        _schemathesis(
            served,
            # fuzzing-phase examples per operation; the coverage phase sends every boundary and
            # wrong-type case the schema defines regardless (~9.5k requests, most of the run)
            "--max-examples",
            "5",
            # one worker: with two, CPython 3.11.7's ast.parse (hypothesis calls it from both
            # threads) once failed the run with "AST constructor recursion depth mismatch"
            "--workers",
            "1",
            "--seed",
            "2026",
            # the seed alone decides the cases: no replay of a local .hypothesis database
            "--generation-database",
            "none",
            "--phases",
            "examples,coverage,fuzzing",
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "30",
            "--no-color",
        ),
        # one wrong JSON type per field in the coverage phase, not all of them (see the module)
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(Path(__file__).with_name("fuzz_hooks.py"))},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    # the FAILURES section names each failing operation and its curl reproduction; the
    # warnings after it are long, so show that section rather than the output's tail
    failures = result.stdout.partition("= FAILURES =")[2].partition("Failures:")[0]
    report = failures[:8000] or result.stdout[-6000:]
    assert result.returncode == 0, report + result.stderr[-2000:]
    summary = result.stdout[-3000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert counts, summary
    # ~10.8k cases in November 2026: far fewer means a phase or the coverage cases went missing
    assert int(counts.group(1)) > 5000 and counts.group(1) == counts.group(2), summary
    # every operation of the schema was exercised, none filtered or skipped
    operations = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", result.stdout)
    assert operations, summary
    assert operations.group(1) == operations.group(2) == operations.group(3), summary
