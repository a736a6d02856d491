"""Figures that a higher app supplies to a lower app's answers.

The CRM's lead list shows a score and the customer overview a churn risk, both computed by
analytics, which the CRM may not import (dependencies point one way). The higher app
registers a function under a name in its AppConfig.ready; the lower app asks for it by name
and gets `default` while nothing is registered (analytics not installed, or not trained).
"""

from collections.abc import Callable

_providers: dict[str, Callable] = {}


def provide(name: str, fn: Callable) -> None:
    _providers[name] = fn


def ask(name: str, *args, default=None, **kwargs):
    fn = _providers.get(name)
    return default if fn is None else fn(*args, **kwargs)
