"""Beyond axe: every page reflows at 320 px, the current tab shows in forced colours, error summaries take focus."""
import pytest

from tracker.extensions import db

from .conftest import PHONE, check_axe, login, screenshot
from .factories import PASSWORD, make_event, make_group, make_user
from .support.world import build_world
from .test_role_matrix import routes

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 320, "height": 640}}


def log_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(lambda address: "/login" not in address)


ROLES = ("anonymous", "organiser", "admin")


def html_pages(app, world) -> dict[str, tuple[str, str]]:
    """Every GET route that answers with a page: endpoint -> (path, the first role of ROLES it is served to).

    Downloads, the API and redirects elsewhere than to the login drop out.
    """
    clients = {role: app.test_client() for role in ROLES}
    for role in ROLES[1:]:
        login(clients[role], world.users[role])
    pages = {}
    for rule, method in routes(app):
        if method != "GET" or rule.endpoint == "static":
            continue
        with app.test_request_context():
            path = app.url_for(rule.endpoint, **{name: world.values[name] for name in rule.arguments})
        for role, client in clients.items():
            response = client.get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages[rule.endpoint] = (path, role)
                break
            if response.status_code != 403 and not response.headers.get("Location", "").startswith("/login"):
                break
    return pages


def test_every_page_reflows_at_320_px_and_links_the_statement(live_server, new_page, app_factory):
    app = app_factory()  # the live server's database, without CSRF for the test client's login
    world = build_world(app)
    pages = html_pages(app, world)
    browsers = {role: new_page(**NARROW) for role in ROLES}
    with app.app_context():
        emails = {role: db.session.merge(world.users[role]).email for role in ROLES[1:]}
    for role, email in emails.items():
        log_in(browsers[role], live_server.url, email)
    widths, without_statement = {}, []
    for endpoint, (path, role) in pages.items():
        browsers[role].goto(live_server.url + path)
        widths[endpoint] = browsers[role].evaluate("document.documentElement.scrollWidth")
        if browsers[role].locator("footer a[href='/barrierefreiheit']").count() != 1:
            without_statement.append(endpoint)
    assert without_statement == [], "pages whose footer does not link the accessibility statement"
    visited = set(widths)
    assert {"accounts.login", "privacy.accessibility", "registration.sign_up", "registration.personal",
            "events.show", "events.groups", "invitees.index", "registration.manage", "checkin.manage",
            "checkin.scanner", "dashboard.dashboard", "invitations.index", "audit.global_log"} <= visited
    too_wide = {endpoint: width for endpoint, width in widths.items() if width > 320}
    assert too_wide == {}, f"wider than 320 px: {too_wide}"


#: What forced colours leave to tell a link from its neighbours (they replace backgrounds and colours).
TAB_STYLE = """(link) => { const s = getComputedStyle(link);
    return {border: s.borderBottomStyle + ' ' + s.borderBottomWidth, weight: s.fontWeight,
            decoration: s.textDecorationLine}; }"""


def test_the_current_event_tab_stands_out_in_forced_colours(live_server, new_page):
    with live_server.app.test_request_context():
        event = make_event("Infotag Kontrast")
        organiser = make_user("organiser", email="kontrast@muenchen.example")
        db.session.commit()
        event_id, email = event.id, organiser.email
    for name, options in (("phone", PHONE), ("desktop", {})):
        page = new_page(**options)
        log_in(page, live_server.url, email)
        page.goto(f"{live_server.url}/events/{event_id}/groups")
        tabs = page.get_by_role("navigation", name="Bereiche der Veranstaltung")
        current, other = tabs.locator("a[aria-current=page]"), tabs.get_by_role("link", name="Übersicht")
        assert current.inner_text() == "Gruppen"
        page.emulate_media(forced_colors="active")
        assert page.evaluate("matchMedia('(forced-colors: active)').matches")
        assert current.evaluate(TAB_STYLE) == {"border": "solid 4px", "weight": "700", "decoration": "none"}
        assert other.evaluate(TAB_STYLE) == {"border": "none 0px", "weight": "400", "decoration": "none"}
        check_axe(page, "tabs in forced colours")
        screenshot(page, f"accessibility-tabs-forced-colours-{name}")


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def assert_summary_focused_and_linked(page, link_name: str, field_id: str) -> None:
    """The summary has the focus after the failed submit; its link puts the focus into the field."""
    page.locator("#form-errors").wait_for()
    page.wait_for_function("() => document.activeElement.id === 'form-errors'")
    assert page.locator("#form-errors h2").inner_text() == "Bitte korrigieren Sie Folgendes:"
    page.locator("#form-errors").get_by_role("link", name=link_name).click()
    assert focused(page) == field_id


def test_error_summaries_take_the_focus_after_a_failed_submit(live_server, new_page):
    with live_server.app.test_request_context():
        event = make_event("Infotag Fehler", self_registration=True, self_registration_domains="muenchen.example")
        organiser = make_user("organiser", email="fehler@muenchen.example")
        db.session.commit()
        public_token, email = event.public_token, organiser.email
    for name, options in (("phone", PHONE), ("desktop", {})):
        page = new_page(**options)
        page.goto(f"{live_server.url}/login")
        page.get_by_role("button", name="Anmelden").click()
        assert_summary_focused_and_linked(page, "E-Mail-Adresse:", "email")

        page.goto(f"{live_server.url}/anmeldung/{public_token}")
        page.get_by_label("Name", exact=True).fill("Eva Extern")
        page.get_by_label("E-Mail-Adresse").fill("eva@extern.example")
        page.get_by_label("Dienststelle", exact=True).fill("Extern")
        page.get_by_role("button", name="Bestätigungslink senden").click()
        assert_summary_focused_and_linked(page, "E-Mail-Adresse: Bitte verwenden Sie Ihre dienstliche Adresse (@muenchen.example)", "email")
        check_axe(page, "sign-up with errors")
        page.locator("#form-errors").focus()
        screenshot(page, f"accessibility-error-summary-sign-up-{name}")

        log_in(page, live_server.url, email)
        page.get_by_role("link", name="Neue Veranstaltung").click()
        page.get_by_role("button", name="Speichern").click()
        assert_summary_focused_and_linked(page, "Titel:", "title")
        page.locator("#form-errors").focus()
        screenshot(page, f"accessibility-error-summary-event-{name}")
        page.context.clear_cookies()


def test_the_seats_per_group_table_stacks_on_a_phone(live_server, new_page):
    """The organiser's registration tab ("Anmeldung"): the group table stacks its cells on a phone, so nothing
    scrolls sideways (axe: no unfocusable scrolling region) and every cell is labelled."""
    with live_server.app.test_request_context():
        event = make_event("Infotag Telefon")
        for name, seats in (("Stadtrat", 40), ("Referats- und Betriebsleitungen", 15), ("Beschäftigte", None)):
            make_group(event, name, reserved_seats=seats)
        organiser = make_user("organiser", email="telefon@muenchen.example")
        db.session.commit()
        event_id, email = event.id, organiser.email
    page = new_page(**PHONE)
    log_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/events/{event_id}/registration")
    table = page.get_by_role("table", name="Plätze im Saal je Gruppe")
    wrapper = table.locator("xpath=..")
    assert wrapper.evaluate("w => w.scrollWidth <= w.clientWidth")
    assert table.locator("td[data-label='Höchstzahl']").count() == 3
    check_axe(page, "registration tab on a phone")
