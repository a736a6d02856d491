"""API authentication: bearer tokens and the browser session, then the company context."""

from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from tandem.core.errors import DomainError, Forbidden
from tandem.core.services import company_for_user, token_find

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenExpired(DomainError):
    """401 with its own code: the client must make a new token, retrying will not help."""

    code = "auth.token_expired"
    status = 401
    title = "The API token has expired"


def _bind_company(request, user):
    """Attach `request.company` from `X-Company` (or the user's default)."""
    request.user = user
    code = request.headers.get("X-Company")
    company = company_for_user(user, code.strip() if code else None)
    if code and company is None:
        raise Forbidden(f"Not a member of company {code!r}", code="company.forbidden")
    request.company = company
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = token_find(token)
        if found is None:
            return None
        if found.is_expired:
            raise TokenExpired()
        if found.scope == "read" and request.method not in SAFE_METHODS:
            raise Forbidden("This API token is read-only", code="auth.token_read_only")
        request.api_token = found
        return _bind_company(request, found.user)


class SessionAuth(NinjaSessionAuth):
    """The browser's login session, with Django's CSRF check on unsafe methods.

    The check only makes sense when the session cookie is what authenticates the request:
    a request without a logged-in session is simply not authenticated by this scheme, so it
    falls through to 401 like a GET instead of answering 403 "CSRF check Failed".
    """

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        return _bind_company(request, user)
