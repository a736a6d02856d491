"""DESIGN.md: dependencies point one way; a lower app never imports a higher one.

One allowance: each app's own REST layer (its `api.py` or `api/` package) builds on the
shared helpers of `tandem.api` (company context, paging, errors), which mounts it in turn.
"""

import ast
from pathlib import Path

import tandem

RANK = {
    "core": 0,
    "parties": 1,
    "catalog": 1,
    "accounting": 2,
    "inventory": 3,
    "purchasing": 4,
    "sales": 4,
    "crm": 5,
    "manufacturing": 5,
    "hr": 6,
    "service": 6,
    "analytics": 6,
    # segments and sends use the analytics app's RFM bands
    "marketing": 7,
    "api": 8,
    "web": 8,
}
PACKAGE = Path(tandem.__file__).parent


def _imported_apps(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "tandem" and len(parts) > 1 and parts[1] in RANK:
                yield parts[1], node.lineno


def test_no_app_imports_a_higher_one():
    breaches = []
    for app, rank in RANK.items():
        for path in sorted((PACKAGE / app).rglob("*.py")):
            rest_layer = path.stem == "api" or "api" in path.relative_to(PACKAGE).parts[1:-1]
            for imported, line in _imported_apps(path):
                if imported == "api" and rest_layer:
                    continue
                if RANK[imported] > rank:
                    breaches.append(f"{path.relative_to(PACKAGE)}:{line} imports tandem.{imported}")
    assert breaches == []
