"""`tandem analytics evaluate TASK FILE`: one JSON line, or a clear message and exit 2."""

import json
import math
import random
import subprocess
import sys
from datetime import date, timedelta

import pytest

from tandem.analytics import evaluate


def tandem(*args):
    return subprocess.run(
        [sys.executable, "-m", "tandem.cli", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def series_csv(tmp_path):
    rng = random.Random(2)
    path = tmp_path / "series.csv"
    lines = ["series_id,period,value"]
    for t in range(72):
        value = 100 + t + 20 * math.sin(2 * math.pi * t / 12) + rng.gauss(0, 2)
        lines.append(f"s1,{2020 + t // 12}-{t % 12 + 1:02d},{value:.3f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_forecast_prints_one_json_line(series_csv):
    done = tandem("analytics", "evaluate", "forecast", str(series_csv))
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.strip().splitlines()
    result = json.loads(line)
    assert result["metric"] == "mase" and result["baseline"] == "seasonal_naive"
    assert result["score"] < result["baseline_score"]
    assert result["split"] == "last 24 periods of each series held out"


def test_wrong_columns_exit_2_with_a_message(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,when,amount\n1,2020-01,3\n")
    done = tandem("analytics", "evaluate", "forecast", str(path))
    assert done.returncode == 2
    assert "missing column(s) series_id, period, value" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_non_numeric_value_exit_2(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("series_id,period,value\ns,2020-01,12\ns,2020-02,twelve\n")
    done = tandem("analytics", "evaluate", "forecast", str(path))
    assert done.returncode == 2
    assert "line 3: value is not a number: 'twelve'" in done.stderr


def test_unknown_task_and_missing_file_exit_2(tmp_path):
    assert tandem("analytics", "evaluate", "magic", str(tmp_path / "x.csv")).returncode == 2
    done = tandem("analytics", "evaluate", "churn", str(tmp_path / "missing.csv"))
    assert done.returncode == 2 and "No such file" in done.stderr


def test_churn_on_a_generated_log(tmp_path):
    rng = random.Random(4)
    lines = ["customer_id,date,amount"]
    start = date(2024, 1, 1)
    for c in range(300):
        rate = rng.gammavariate(2, 0.1)  # purchases a week
        lifetime = rng.expovariate(1 / 60)  # weeks
        first = rng.randint(0, 12)
        week = float(first)
        lines.append(f"c{c},{start + timedelta(weeks=first)},{rng.randint(10, 90)}")
        while True:
            week += rng.expovariate(rate)
            if week > min(first + lifetime, 100):
                break
            lines.append(f"c{c},{start + timedelta(weeks=week)},{rng.randint(10, 90)}")
    path = tmp_path / "tx.csv"
    path.write_text("\n".join(lines) + "\n")
    result = evaluate.run("churn", str(path))
    assert result["metric"] == "auc" and 0.5 < result["score"] <= 1
    assert result["baseline"] == "recency"
    assert result["clv"]["actual_total"] > 0


def test_lead_score_needs_a_readable_won_column(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("source,won\nweb,maybe\n")
    with pytest.raises(evaluate.BadFile, match="won must be 0/1"):
        evaluate.run("lead-score", str(path))
