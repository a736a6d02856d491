"""Pages that lost a lock race on the database: retried, then a friendly 503 page.

Django turns an exception of a view into a 500 page below every middleware's `__call__`, so
this middleware catches a retryable database error in `process_exception` (where the error
is still an exception), answers it with the "try again" page marked retryable, and its
`__call__` runs the request again as the API's retry does (see tandem.api.retry). Only page
writes are retried (no outer transaction surrounds a page view: ATOMIC_REQUESTS is off, so
the service's own transaction has been rolled back when the error arrives here); a read that
meets the error gets the same page at once.
"""

from django.template.response import TemplateResponse

from tandem.api.retry import SAFE_METHODS, is_retryable, mark_retryable, run_with_retries


class PageRetryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") or request.method in SAFE_METHODS:
            return self.get_response(request)
        return run_with_retries(self.get_response, request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/") or not is_retryable(exception):
            return None
        response = TemplateResponse(request, "web/database_busy.html", status=503)
        response.render()
        return mark_retryable(response)
