"""404 and 405 under /api/ as problem+json.

An unknown path never reaches ninja (Django's resolver answers it) and ninja answers a known
path with the wrong method by a plain `HttpResponseNotAllowed`: neither passes through the
API's exception handlers, so both are rewritten here.
"""

from .problems import problem_response

PROBLEM = "application/problem+json"


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code not in (404, 405)
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith(PROBLEM)
        ):
            return response
        if response.status_code == 404:
            return problem_response(
                status=404,
                code="route.not_found",
                title="Not found",
                detail=f"No API resource at {request.path}",
            )
        allowed = response.get("Allow", "")
        problem = problem_response(
            status=405,
            code="request.method_not_allowed",
            title="Method not allowed",
            detail=f"{request.method} is not allowed on {request.path}; allowed: {allowed}",
        )
        problem["Allow"] = allowed
        return problem
