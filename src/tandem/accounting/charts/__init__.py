"""Chart of accounts templates, as data: `TEMPLATES[name]` for `services.chart_install`.

An account row is (code, name, English name, type, role or None, parent code or None,
reconcile). A journal row is (code, name, kind, role of its default account or None).
Parents come before their children.
"""

from . import generic, prc

TEMPLATES = {
    "prc": prc.CHART,
    "generic": generic.CHART,
}

__all__ = ["TEMPLATES"]
