from django.utils import timezone, translation

from .services import company_for_user, user_permissions, user_zone

SESSION_COMPANY_KEY = "tandem_company"


class UserLanguageMiddleware:
    """A user's saved language wins over the browser's Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class CurrentCompanyMiddleware:
    """Resolve the company a browser session acts in (API requests resolve theirs in auth),
    and read and show every time on its pages in the user's zone, else the company's: a page
    never shows UTC. The API keeps ISO 8601 with offsets and is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.company = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/api/"):
            code = request.session.get(SESSION_COMPANY_KEY)
            request.company = company_for_user(user, code) or company_for_user(user)
            if request.company is not None:
                with timezone.override(user_zone(user, request.company)):
                    return self.get_response(request)
        return self.get_response(request)


def request_permissions(request) -> frozenset[str]:
    cached = getattr(request, "_tandem_perms", None)
    if cached is None:
        cached = user_permissions(request.user, getattr(request, "company", None))
        request._tandem_perms = cached
    return cached


def request_has_perm(request, perm: str) -> bool:
    return perm in request_permissions(request)
