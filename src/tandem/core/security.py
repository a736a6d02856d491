"""Request hardening that Django 5.2 has no setting for: which proxy headers to believe,
the client's address, and the Content-Security-Policy header."""

import ipaddress

from django.conf import settings

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


def _trusted(address: str) -> bool:
    proxies = settings.TRUSTED_PROXIES
    return "*" in proxies or address in proxies


class TrustedProxyMiddleware:
    """Forget the X-Forwarded-* headers of a request that did not come from the trusted proxy.

    A client can send them itself; only the proxy named in TANDEM_TRUSTED_PROXY (which
    overwrites them on every request) is believed. So SECURE_PROXY_SSL_HEADER and
    client_address() can read them without asking who set them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _trusted(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


def client_address(request) -> str:
    """The client's IP address: REMOTE_ADDR, or behind the trusted proxy the right-most
    X-Forwarded-For entry that is not a proxy itself (entries to its left are the client's
    own claims and cannot be believed)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if not _trusted(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if "*" in settings.TRUSTED_PROXIES:  # any peer is the proxy: believe its last hop only
        return hops[-1] if hops else remote
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    return remote


def login_client_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client address, or None when there is none (a login made
    without a request, e.g. the test client's force_login): axes stores it in an inet column
    on PostgreSQL, which refuses anything but an address."""
    address = client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


class ContentSecurityPolicyMiddleware:
    """The CONTENT_SECURITY_POLICY setting on every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
