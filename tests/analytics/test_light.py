"""The web process stays light: the analytics models, views, API and methods package import no
scikit-learn, statsmodels, scipy or pandas."""

import subprocess
import sys

CODE = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
import django
django.setup()
import tandem.analytics.models, tandem.analytics.views, tandem.analytics.api
import tandem.analytics.jobs, tandem.analytics.queries, tandem.analytics.methods
heavy = sorted(m for m in ("sklearn", "statsmodels", "scipy", "pandas") if m in sys.modules)
print(",".join(heavy) or "none")
"""


def test_importing_the_web_side_loads_no_heavy_library():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "none"
