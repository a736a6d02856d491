"""The one decorator every app's page views use (instead of a private copy per app)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .middleware import request_has_perm


def company_view(perm: str):
    """Logged in, acting in a company, holding `perm` (e.g. ``hr.view_employee``). Times are
    already in the user's zone there (core.middleware.CurrentCompanyMiddleware)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.company is None or not request_has_perm(request, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
