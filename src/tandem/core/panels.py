"""Sections that higher apps add to a lower app's page.

The party page shows balances (accounting) and the customer timeline (CRM) although the
parties app imports neither: those apps register a panel here in their AppConfig.ready, and
the page renders whatever is registered for it, in `order`.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

# page name -> [(order, name, render)]; render(request, obj) returns HTML or None (hidden)
_panels: dict[str, list[tuple[int, str, Callable]]] = {}


def register(page: str, name: str, render: Callable, *, order: int = 100) -> None:
    entries = [entry for entry in _panels.get(page, []) if entry[1] != name]
    entries.append((order, name, render))
    _panels[page] = sorted(entries, key=lambda entry: (entry[0], entry[1]))


def render(page: str, request, obj) -> list[SafeString]:
    """The HTML of every panel registered for `page` that has something to show."""
    html = []
    for _order, _name, render_panel in _panels.get(page, []):
        fragment = render_panel(request, obj)
        if fragment:
            html.append(mark_safe(fragment))  # noqa: S308 (rendered by a template)
    return html
