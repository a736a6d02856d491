"""What every CRM page shares: the permission gate, the company's time zone, small helpers."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from tandem.core.middleware import request_has_perm

PAGE_SIZE = 50


def need(request, perm: str) -> None:
    if not request_has_perm(request, perm):
        raise PermissionDenied


def perms(request, *models: str) -> dict:
    """{"add_lead": True, ...} for the templates."""
    return {
        f"{action}_{model}": request_has_perm(request, f"crm.{action}_{model}")
        for model in models
        for action in ("add", "change", "delete")
    }


def back(request, fallback: str, *args):
    """Redirect to the `next` field if it is a local URL, else to `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(fallback, *args)


def int_param(params, name: str) -> int | None:
    value = params.get(name, "")
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
