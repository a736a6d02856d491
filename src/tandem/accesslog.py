"""gunicorn's access log without secrets: `tandem serve` passes `--logger-class` here.

The calendar feed's address carries its credential (calendar apps cannot log in or send
headers, so the token has to be in the URL); an access log, and every place logs are
shipped to, would otherwise keep a working credential. Every logged value that can hold
the path (request line, path, referer, the raw environ entries) is redacted.
"""

import re

from gunicorn.glogging import Logger

# crm/urls.py: activities/<slug:token>.ics
SECRET_PATH = re.compile(r"(/crm/activities/)[-\w]+(\.ics)")
REDACTED = r"\1[redacted]\2"


def redact(value):
    return SECRET_PATH.sub(REDACTED, value) if isinstance(value, str) else value


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) for key, value in atoms.items()}
