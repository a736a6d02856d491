"""The one decorator every app's page views use (instead of a private copy per app)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .middleware import request_has_perm
from .services import user_zone


def company_view(perm: str):
    """Logged in, acting in a company, holding `perm` (e.g. ``hr.view_employee``).

    Times are read from forms and shown in the user's zone (else the company's), so a page
    never shows UTC.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.company is None or not request_has_perm(request, perm):
                raise PermissionDenied
            with timezone.override(user_zone(request.user, request.company)):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator
