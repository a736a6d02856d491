"""Invariant checks behind `tandem check-integrity`.

Each app registers its checks in AppConfig.ready; a check yields one line per breach.
Checks are set-based queries, so they stay fast on a big database.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_checks: list[tuple[str, Callable[[], Iterable[str]]]] = []


def register(name: str):
    def decorator(func):
        if all(existing != name for existing, _ in _checks):
            _checks.append((name, func))
        return func

    return decorator


@dataclass
class Report:
    results: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(not breaches for _, breaches in self.results)

    def render(self) -> str:
        lines = []
        for name, breaches in self.results:
            lines.append(f"[{'FAIL' if breaches else ' ok '}] {name}")
            lines.extend(f"       - {b}" for b in breaches[:50])
            if len(breaches) > 50:
                lines.append(f"       … and {len(breaches) - 50} more")
        failed = sum(1 for _, b in self.results if b)
        lines.append(f"{len(self.results)} checks, {failed} failed")
        return "\n".join(lines)


def run_all() -> Report:
    report = Report()
    for name, func in _checks:
        report.results.append((name, list(func())))
    return report


def registered() -> list[str]:
    return [name for name, _ in _checks]


# -- the outbox ----------------------------------------------------------------------------
# Registered here rather than in an app's checks module: the outbox is core machinery and
# these two checks hold for every app that publishes.


@register("outbox: no dead events")
def outbox_no_dead_events():
    from .models.events import EventState, OutboxEvent

    dead = OutboxEvent.objects.filter(state=EventState.DEAD).order_by("pk")
    for uid, name, attempts, error in dead.values_list("uid", "name", "attempts", "last_error")[
        :200
    ]:
        first_line = (error or "").splitlines()[0] if error else ""
        yield f"{name} {uid}: dead after {attempts} attempts ({first_line})"


@register("outbox: no event pending for long")
def outbox_no_stale_pending():
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .models.events import EventState, OutboxEvent

    minutes = getattr(settings, "OUTBOX_STALE_MINUTES", 60)
    cutoff = timezone.now() - timedelta(minutes=minutes)
    stale = OutboxEvent.objects.filter(state=EventState.PENDING, created_at__lt=cutoff)
    for uid, name, attempts, created in stale.order_by("pk").values_list(
        "uid", "name", "attempts", "created_at"
    )[:200]:
        yield (
            f"{name} {uid}: pending since {created:%Y-%m-%d %H:%M} UTC "
            f"after {attempts} attempts (over {minutes} min)"
        )
