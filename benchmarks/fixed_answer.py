"""A WSGI app that reads the request body and returns a fixed scan verdict: what gunicorn and the load generator
of benchmarks/checkin.py cost by themselves, without Flask, the database or any check-in logic."""
import json

ANSWER = json.dumps({
    "verdict": "valid", "tone": "green", "title": "Eingelassen", "reason": "Gültiges Ticket: willkommen!",
    "guest": {"invitee": 1, "name": "Erika Mustermann", "group": "Stadtrat"}, "checked_in_at": None,
    "checked_in_door": "Eingang Nord", "actions": [], "counts": {"present": 1, "inside": None, "capacity": 130},
    "nonce": "0123456789abcdef01234567",
}).encode()


def app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(ANSWER)))])
    return [ANSWER]
