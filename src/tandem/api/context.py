"""Helpers every app's api.py uses: company scope, permissions, lookups, pagination."""

from django.db.models import Model, QuerySet

from tandem.core.errors import Forbidden, InvalidReference, NotFound
from tandem.core.services import user_permissions

MAX_LIMIT = 500


def company_of(request):
    company = getattr(request, "company", None)
    if company is None:
        raise Forbidden("You are not a member of any company", code="company.none")
    return company


def require_perm(request, perm: str) -> None:
    """`perm` is a Django permission name such as ``parties.add_party``."""
    perms = getattr(request, "_tandem_perms", None)
    if perms is None:
        perms = user_permissions(request.user, company_of(request))
        request._tandem_perms = perms
    if perm not in perms:
        raise Forbidden(f"Missing permission {perm}", code="permission.denied")


def get_scoped(queryset: QuerySet | type[Model], request, pk, *, label: str | None = None):
    """Fetch a row of the request's company, or 404 — other companies' rows do not exist."""
    qs = queryset.objects.all() if isinstance(queryset, type) else queryset
    name = label or qs.model._meta.model_name
    try:
        obj = qs.filter(company=company_of(request)).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(f"No {name} with id {pk}", code=f"{name}.not_found") from None
    return obj


def get_ref(model: type[Model], request, pk, *, field: str):
    """A row of the caller's company named by an id in a payload, or 422 naming the field."""
    if pk is None:
        return None
    obj = model.objects.filter(company=company_of(request), pk=pk).first()
    if obj is None:
        raise InvalidReference(f"{field}: no such record with id {pk}", field=field)
    return obj


def get_refs(model: type[Model], request, pks, *, field: str) -> list:
    """Like `get_ref` for a list of ids, in the order given, duplicates dropped."""
    pks = list(dict.fromkeys(pks))
    found = {o.pk: o for o in model.objects.filter(company=company_of(request), pk__in=pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise InvalidReference(f"{field}: no such record with id {missing[0]}", field=field)
    return [found[pk] for pk in pks]


def paginate(queryset: QuerySet, *, limit: int, offset: int) -> dict:
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return {"items": list(queryset[offset : offset + limit]), "count": queryset.count()}


_page_schemas: dict[type, type] = {}


def page_of(schema: type) -> type:
    """The `{items: [...], count: N}` envelope of a list endpoint, named after `schema`."""
    if schema not in _page_schemas:
        from ninja import Schema
        from pydantic import create_model

        name = schema.__name__.removesuffix("Out") + "Page"
        _page_schemas[schema] = create_model(
            name, __base__=Schema, items=(list[schema], ...), count=(int, ...)
        )
    return _page_schemas[schema]
