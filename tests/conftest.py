"""Fixtures in the flaskr manner: app, client, runner; every database test runs on SQLite and PostgreSQL.

PostgreSQL runs when TRACKER_TEST_POSTGRES_URL is set (make test sets it when a server answers);
each test session gets its own database, so parallel runs never meet. Browser tests need
Debian's Chromium at /usr/bin/chromium and are skipped, with a message, where it is absent.
"""
import os
import shutil
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tracker import create_app
from tracker.extensions import db

from .factories import PASSWORD

POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
AXE_JS = Path(__file__).parent.parent / "tracker" / "static" / "vendor" / "axe-core" / "axe.min.js"
BACKENDS = ["sqlite", "postgresql"]


def base_config(database_url: str, instance_path: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,
        "SERVER_NAME": None,
    }


def _postgres_url(database: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + database


class Backend:
    """A migrated database of one kind, reset between tests."""

    def __init__(self, kind: str, workdir: Path):
        self.kind = kind
        self.workdir = workdir
        if kind == "sqlite":
            self.template = workdir / "template.sqlite"
            self.url = f"sqlite:///{workdir / 'test.sqlite'}"
            self._migrate(f"sqlite:///{self.template}")
        else:
            self.database = f"tracker_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            with sa.create_engine(_postgres_url("postgres"), isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
            self.url = _postgres_url(self.database)
            self._migrate(self.url)

    def _migrate(self, url: str) -> None:
        app = create_app(base_config(url, self.workdir))
        with app.app_context():
            upgrade()
            db.engine.dispose()

    def fresh(self) -> str:
        """The URL of an empty, migrated database for one test."""
        if self.kind == "sqlite":
            target = self.workdir / "test.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            shutil.copyfile(self.template, target)
        return self.url

    def reset(self, app) -> None:
        if self.kind == "postgresql":
            with app.app_context():
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")

    def drop(self) -> None:
        if self.kind == "postgresql":
            with sa.create_engine(_postgres_url("postgres"), isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def backends(tmp_path_factory):
    made: dict[str, Backend] = {}

    def get(kind: str) -> Backend:
        if kind not in made:
            made[kind] = Backend(kind, tmp_path_factory.mktemp(kind))
        return made[kind]

    yield get
    for backend in made.values():
        backend.drop()


@pytest.fixture(params=BACKENDS)
def backend(request, backends) -> Backend:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TRACKER_TEST_POSTGRES_URL (make test does when a server answers)")
    return backends(request.param)


@pytest.fixture
def app_factory(backend, tmp_path):
    """Make apps on this test's database; more than one shares the data, like several workers."""
    url = backend.fresh()
    apps = []

    def make(**overrides):
        config = base_config(url, tmp_path)
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    backend.reset(apps[0] if apps else make())
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    """An app context for arranging data; commit before the app under test reads it."""
    with app.app_context():
        yield db.session


def login(client, user, password: str = PASSWORD):
    """Log the test client in through the real login form."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


# --- Live server and browser -------------------------------------------------------------------------


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app_factory):
    """The app served over real HTTP on a free loopback port, CSRF protection on."""
    server = LiveServer(app_factory(WTF_CSRF_ENABLED=True))
    server.app.config["BASE_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed: apt-get install chromium (the CI script does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def new_page(browser, request):
    """Open pages in fresh browser contexts: new_page() for desktop, new_page(**PHONE) for a phone."""
    contexts = []

    def make(**options):
        context = browser.new_context(locale="de-DE", **(options or DESKTOP))
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    errors: list[str] = []
    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_axe(page, context: str = "") -> None:
    """Run the vendored axe-core on the page; fail on serious or critical WCAG 2.1 A/AA violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} -> " + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"axe-core violations on {context or page.url}:\n{details}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{context or page.url} is {width} px wide: it must reflow (WCAG 1.4.10)"


# --- SMTP ----------------------------------------------------------------------------------------------


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a loopback port that keeps what it receives.

    `refuse[address] = "550 ..."` makes it refuse that recipient; stop() and start() take it
    down and bring it back on the same port, as an outage would.
    """

    def __init__(self):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.envelopes = []
        #: The client address of each accepted mail: one per SMTP connection that delivered it.
        self.peers = []
        self.refuse: dict[str, str] = {}
        self.controller = None
        self.start()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.peers.append(session.peer)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def config(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port}

    @property
    def messages(self):
        """The received mails, parsed (email.message.EmailMessage)."""
        from email import policy
        from email.parser import BytesParser

        return [BytesParser(policy=policy.default).parsebytes(envelope.content) for envelope in self.envelopes]


@pytest.fixture
def smtp_server():
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture
def mail_app(app_factory, smtp_server):
    """An app whose mail sender delivers to the test's SMTP server."""
    return app_factory(**smtp_server.config)
@pytest.fixture
def camera_browser(browser, tmp_path):
    """A second Chromium whose fake camera plays a Y4M video of a fresh ticket's QR code: yields (browser, code)."""
    from tracker.tickets.codes import new_ticket_code
    from tracker.tickets.qr import qr_png

    from .support.y4m import write_y4m

    code = new_ticket_code()
    video = tmp_path / "ticket.y4m"
    write_y4m(video, qr_png(code, box_size=8))
    args = CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    yield chromium, code
    chromium.close()


# --- Which database the browser tests use --------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    """Page flows run in the browser once, on PostgreSQL where it is available (else SQLite).

    The database rules behind every page are tested on both databases by the HTTP-level tests;
    running each browser flow twice would double the slowest part of the suite for no new fact.
    """
    if not POSTGRES_URL:
        return
    kept, dropped = [], []
    for item in items:
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("backend")
        uses_browser = "browser" in getattr(item, "fixturenames", ())
        (dropped if uses_browser and backend == "sqlite" else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
