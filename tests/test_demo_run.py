"""What `make run` serves with: `flask run` logs every request once, as the app's JSON line."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from .support.servers import ROOT, free_port


def test_flask_run_logs_each_request_once(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRACKER_")}
    env.update(TRACKER_DATABASE_URL=f"sqlite:///{tmp_path}/run.sqlite", TRACKER_SECRET_KEY="run-test-" + "x" * 32)
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tracker", "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=stderr, stderr=stderr,
        )
        try:
            statuses = [_get(f"http://127.0.0.1:{port}{path}") for path in ("/healthz", "/login", "/nowhere/SECRET-TOKEN")]
        finally:
            server.terminate()
            server.wait(10)
    output = log.read_text()
    assert statuses == [200, 200, 404], output
    assert f"Running on http://127.0.0.1:{port}" in output  # the server still says where it listens
    request_lines = [line for line in output.splitlines() if any(word in line for word in ("healthz", "login", "nowhere",
                                                                                          "unmatched"))]
    assert [json.loads(line)["endpoint"] for line in request_lines] == [
        "operations.healthz", "accounts.login", "unmatched"
    ], output
    assert "SECRET-TOKEN" not in output


def _get(url: str, seconds: float = 30) -> int:
    """The status of a GET, retried while the server is still starting (at most the given seconds)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
