"""Pages that meet bad input: a refusal page with the message and a 4xx, never a 500.

A page view that lets a `DomainError` through (a service's refusal it does not turn into a form
message) answers the error's message with its status; a date or number past what Python or
the database can hold (a report until 9999-12-31, a quantity of 1E+30) is a 400; a NUL
character in the query string, which PostgreSQL refuses in any text parameter, is a 400
before a view runs. The API has its own handlers (tandem.api.errors); only the NUL check
covers it here too, answered as problem+json.
"""

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from tandem.api.problems import problem_response
from tandem.core.errors import DomainError
from tandem.core.params import out_of_range


def _has_nul(request) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def refusal_page(request, message: str, status: int):
    response = TemplateResponse(
        request, "web/refused.html", {"message": message, "status": status}, status=status
    )
    return response.render()


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return problem_response(
                    status=400,
                    code="request.malformed",
                    title="Malformed request",
                    detail="The query string contains a NUL character",
                )
            return refusal_page(request, _("The address contains a NUL character."), 400)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, DomainError):
            status = exception.status if 400 <= exception.status < 500 else 409
            return refusal_page(request, exception.message, status)
        if out_of_range(exception):
            return refusal_page(request, _("A date or number is out of range."), 400)
        return None
