"""A real HTTP receiver on loopback for the webhook tests: answers from a script, records all."""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    def __init__(self):
        self.answers: list[int] = []  # status codes to give, in order; then 200
        self.requests: list[dict] = []
        self.reply: bytes | None = None  # the body of every answer, when set
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
                reply = b"ok" if status < 300 else f"nope {status}".encode()
                reply = receiver.reply if receiver.reply is not None else reply
                self.send_response(status)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                # the client may stop reading, as it should for a huge answer
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def ids(self):
        return [r["headers"]["webhook-id"] for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    """A loopback receiver; private addresses (and plain http) allowed as an operator would."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    found = Receiver()
    yield found
    found.close()
