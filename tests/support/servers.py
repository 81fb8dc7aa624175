"""Real app servers in their own processes (gunicorn with the production config), for scale-out tests."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """gunicorn -c deploy/gunicorn.conf.py wsgi:app on a free loopback port, configured by TRACKER_* variables."""

    def __init__(self, database_url: str, workers: int = 1, threads: int = 8, **settings: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("TRACKER_")}
        env.update(
            TRACKER_DATABASE_URL=database_url,
            TRACKER_SECRET_KEY="test-secret-key-" + "x" * 32,
            TRACKER_BIND=f"127.0.0.1:{self.port}",
            TRACKER_WORKERS=str(workers),
            TRACKER_THREADS=str(threads),
            TRACKER_LOG_FORMAT="off",
            TRACKER_RATELIMIT_ENABLED="false",
        )
        env.update({f"TRACKER_{key}": value for key, value in settings.items()})
        self.process = subprocess.Popen(
            [str(GUNICORN), "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_until_healthy()

    def _wait_until_healthy(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + self.process.stderr.read().decode(errors="replace")[-2000:])
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn on {self.url} did not become healthy in {seconds} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class HttpClient:
    """A cookie-keeping HTTP client on urllib (one per simulated browser or device)."""

    def __init__(self, base_url: str):
        import http.cookiejar

        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None, base_url: str | None = None):
        """(status, body text) of one request; never raises for an HTTP error status."""
        import urllib.error

        request = urllib.request.Request((base_url or self.base_url) + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def form(self, path: str, fields: dict, base_url: str | None = None):
        """GET the page for its CSRF token, then POST the form (a browser's round trip)."""
        import re
        import urllib.parse

        _status, page = self.request(path, base_url=base_url)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page
        )
        body = urllib.parse.urlencode({**fields, "csrf_token": token.group(1) if token else ""}).encode()
        return self.request(
            path, body, {"Content-Type": "application/x-www-form-urlencoded"}, base_url=base_url
        )

    def json(self, path: str, body: dict, headers: dict | None = None, base_url: str | None = None):
        import json

        data = json.dumps(body).encode()
        status, text = self.request(
            path, data, {"Content-Type": "application/json", **(headers or {})}, base_url=base_url
        )
        return status, (json.loads(text) if text.startswith("{") else text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
