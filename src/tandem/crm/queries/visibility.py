"""Who may see which lead and opportunity: the one helper every list, board, detail page,
API endpoint, report, export and search applies.

With the company's "reps see only their own team's leads and opportunities" setting on, a
user who is not an owner or admin sees the records they own, the records of the sales teams
they belong to or lead, and the records owned by those teams' members. Off (the default),
or for an owner or admin, everything of the company is visible.

Activities and interactions follow the records they are linked to: a user sees those of
leads and opportunities they may see, those linked only to a party (parties are not
restricted), and their own (the activity's owner, the interaction's user).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tandem.core.models import Company, Membership

from ..models import CrmSettings, SalesTeam

SEE_ALL_ROLES = ("owner", "admin", "sales_manager")


@dataclass(frozen=True)
class Scope:
    user_id: int
    team_ids: frozenset[int]
    teammate_ids: frozenset[int]

    def condition(self, prefix: str = "") -> Q:
        return (
            Q(**{f"{prefix}owner_id": self.user_id})
            | Q(**{f"{prefix}team_id__in": self.team_ids})
            | Q(**{f"{prefix}owner_id__in": self.teammate_ids})
        )

    def touch_condition(self, own_field: str) -> Q:
        """For activities (`own_field` "owner") and interactions ("user")."""
        return (
            Q(**{f"{own_field}_id": self.user_id})
            | Q(lead__isnull=True, opportunity__isnull=True)
            | self.condition("lead__")
            | self.condition("opportunity__")
        )


def crm_settings(company: Company) -> CrmSettings:
    found = CrmSettings.objects.filter(company=company).first()
    return found if found is not None else CrmSettings(company=company)


def scope_for(user, company: Company) -> Scope | None:
    """None: `user` sees every lead and opportunity of `company`."""
    if not crm_settings(company).team_visibility or getattr(user, "is_superuser", False):
        return None
    sees_all = Membership.objects.filter(
        user=user, company=company, is_active=True, roles__code__in=SEE_ALL_ROLES
    ).exists()
    if sees_all:
        return None
    teams = SalesTeam.objects.filter(company=company).filter(Q(members=user) | Q(leader=user))
    team_ids = frozenset(teams.values_list("pk", flat=True))
    teammates = frozenset(
        SalesTeam.members.through.objects.filter(salesteam_id__in=team_ids).values_list(
            "user_id", flat=True
        )
    ) | frozenset(
        SalesTeam.objects.filter(pk__in=team_ids, leader__isnull=False).values_list(
            "leader_id", flat=True
        )
    )
    return Scope(user_id=user.pk, team_ids=team_ids, teammate_ids=teammates)


def request_scope(request) -> Scope | None:
    """`scope_for` the request's user and company, computed once per request."""
    if not hasattr(request, "_crm_scope"):
        request._crm_scope = scope_for(request.user, request.company)
    return request._crm_scope


def visible(qs: QuerySet, request, *, prefix: str = "") -> QuerySet:
    """`qs` (leads or opportunities; with `prefix`, rows linked to them, e.g.
    ``opportunity__``) narrowed to what the request's user may see."""
    scope = request_scope(request)
    return qs if scope is None else qs.filter(scope.condition(prefix))


def visible_condition(request, *, prefix: str = "") -> Q | None:
    """The filter `visible` applies, for queries that take a condition (reports); None: all."""
    scope = request_scope(request)
    return None if scope is None else scope.condition(prefix)


def visible_touches(qs: QuerySet, request, *, own_field: str) -> QuerySet:
    """Activities (`own_field="owner"`) or interactions (`"user"`) the request's user may see."""
    scope = request_scope(request)
    return qs if scope is None else qs.filter(scope.touch_condition(own_field))
