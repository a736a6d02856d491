"""The API's JSON body parser: a request body, when there is one, must be a JSON object.

Every operation's body is a schema (an object). Without this check ninja's schemas read a
list, a string or `null` as "no fields given", so `POST /fiscal-years [1, 2]` created a year.
"""

import json

from ninja.parser import Parser


class BodyNotAnObject(ValueError):
    """Raised for a well-formed JSON body that is not an object; answered with a 422."""


class ObjectBodyParser(Parser):
    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject(f"the body must be a JSON object, not {type(data).__name__}")
        return data
