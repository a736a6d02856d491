"""Schemathesis over the OpenAPI document of a served demo: no input may cause a 500."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_no_server_errors_under_schemathesis(served):
    binary = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(binary),
            "run",
            served["url"] + "/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {served['token']}",
            "--header",
            "X-Company: DEMO",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "12",
            "--workers",
            "2",
            "--seed",
            "2026",
            "--phases",
            "examples,coverage,fuzzing",
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "30",
            "--no-color",
        ],
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
    assert int(counts.group(1)) > 100 and counts.group(1) == counts.group(2), summary
