"""Security headers, cookies and session expiry (tracker.security)."""
from datetime import timedelta

import pytest
import time_machine

from tracker import security
from tracker.database import utcnow
from tracker.extensions import db

from .conftest import login
from .factories import make_event, make_user


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.parametrize("path", ["/login", "/does-not-exist", "/healthz"])
def test_every_response_carries_the_strict_policy(client, path):
    response = client.get(path)
    csp = directives(response)
    assert csp["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["media-src"] == ["'self'", "blob:"]
    assert csp["worker-src"] == ["'self'", "blob:"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["frame-src"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_view_may_allow_the_stream_origin_for_its_own_response_only(app):
    def player():
        security.allow_frame_origin("https://stream.example.org:8443/embed/infotag?token=x")
        security.allow_media_origin("https://cdn.example.net/live/playlist.m3u8")
        return "player"

    app.add_url_rule("/probe/player", view_func=player)
    client = app.test_client()
    csp = directives(client.get("/probe/player"))
    assert csp["frame-src"] == ["https://stream.example.org:8443"]
    assert csp["media-src"] == ["'self'", "blob:", "https://cdn.example.net"]
    assert csp["connect-src"] == ["'self'", "https://cdn.example.net"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert directives(client.get("/login"))["frame-src"] == ["'none'"]


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://stream.example.org/embed", "https://stream.example.org"),
        ("http://[::1]:8080/x", "http://[::1]:8080"),
        ("javascript:alert(1)", None),
        ("data:text/html,x", None),
        ("", None),
        (None, None),
        ("https://", None),
        ("https://a.example'; script-src *", None),
    ],
)
def test_only_plain_web_origins_enter_the_policy(url, origin):
    assert security.origin_of(url) == origin


def test_hsts_only_over_https_behind_the_proxy(app_factory):
    client = app_factory(PROXY_FIX=True).test_client()
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = client.get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


def test_without_proxy_fix_a_forged_forwarded_header_is_ignored(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def session_cookie(response) -> str:
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))


def test_session_cookie_is_httponly_samesite_and_secure_when_configured(app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    client = app.test_client()
    cookie = session_cookie(login(client, user))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie
    assert "Expires=" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_session_cookie_is_not_secure_for_local_http(app, client):
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    assert "Secure" not in session_cookie(login(client, user))


def test_a_login_ends_after_its_absolute_lifetime_however_active(app, client):
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        login(client, user)
        for _ in range(5):
            clock.shift(timedelta(hours=2))
            assert client.get("/events/").status_code == 200
        clock.shift(timedelta(hours=2, minutes=1))
        response = client.get("/events/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_idle_session_cookie_expires_with_the_idle_lifetime(app, client):
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    cookie = session_cookie(login(client, user))
    assert app.permanent_session_lifetime.total_seconds() == 8 * 3600
    assert "Expires=" in cookie


@pytest.mark.browser
def test_pages_break_no_rule_of_the_policy_in_a_real_browser(live_server, new_page):
    """Chromium enforces the policy: no page of the login flow triggers a violation."""
    from .conftest import check_axe

    page = new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(live_server.url + "/login")
    page.goto(live_server.url + "/does-not-exist")
    page.goto(live_server.url + "/login")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.site-header')).backgroundColor") == "rgb(0, 75, 135)"
    assert violations == []
    check_axe(page, "login under the policy")
    from playwright.sync_api import Error

    with pytest.raises(Error, match="Content Security Policy"):
        page.add_script_tag(content="window.inlineRan = true")  # an injected inline script must not run
    assert page.evaluate("() => window.inlineRan === undefined")


@pytest.mark.parametrize(
    "kind, url, directive",
    [("iframe", "https://player.example.org/embed/42", "frame-src"), ("hls", "https://cdn.example.net/live.m3u8", "media-src")],
)
def test_the_watch_page_may_embed_only_the_configured_stream(app, client, kind, url, directive):
    from tracker.invitees.links import personal_token

    from .factories import make_invitee, make_registration

    with app.test_request_context():
        event = make_event(starts_in=timedelta(minutes=-5), stream_kind=kind, stream_url=url)
        invitee = make_invitee(event)
        make_registration(invitee, mode="stream")
        db.session.commit()
        token = personal_token(invitee)
    response = client.get(f"/t/{token}/watch")
    assert response.status_code == 200
    csp = directives(response)
    origin = url.split("/embed")[0].split("/live")[0]
    assert origin in csp[directive]
    assert csp["frame-ancestors"] == ["'none'"]
    other = "frame-src" if directive == "media-src" else "media-src"
    assert origin not in csp[other]
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "send",
    [
        lambda client: client.post("/login", data={"email": "a\x00@example.org", "password": "x"}),
        lambda client: client.get("/events/?q=a%00b"),
        lambda client: client.post("/api/checkin/scan", data=b'{"code": "A\\u0000"}', content_type="application/json"),
    ],
)
def test_nul_characters_are_refused_with_a_german_400(client, send):
    response = send(client)
    assert response.status_code == 400
    assert "nicht erlaubt" in response.get_data(as_text=True)
