"""Every kind of mail, as delivered, fits a 375 px phone and a 600 px mail pane with images blocked, and passes axe."""
import re

import pytest

from .conftest import check_axe, screenshot
from .support.mails import BASE_URL, deliver_every_kind, html_part, text_part

#: A phone, and the width of a mail client's reading pane.
WIDTHS = (375, 600)
#: Mails looked at in the screenshots (test-artifacts/mail-<language>-<kind>-<width>.png).
SCREENSHOTS = {("de", "confirmation-hall"), ("de", "invitation"), ("en", "opt-in"), ("de", "promotion")}

#: Row headings ("Wann:", "Uhrzeit") whose text runs over more than one line: the cells wrap words anywhere.
BROKEN_HEADINGS = """() => [...document.querySelectorAll('th')].filter(th => {
    const range = document.createRange();
    range.selectNodeContents(th);
    return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size > 1;
}).map(th => th.textContent)"""


@pytest.fixture
def delivered(mail_app, smtp_server):
    return deliver_every_kind(mail_app, smtp_server)


def _block_images(route):
    if route.request.resource_type == "image":
        route.abort()
    else:
        route.continue_()


def test_every_kind_of_mail_fits_phone_and_pane_with_images_blocked(browser, delivered):
    too_wide = []
    for width in WIDTHS:
        # As a mail client shows it: no scripts, no images loaded from anywhere.
        context = browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=False)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.route("**/*", _block_images)
        for (language, kind), raw in delivered.items():
            page.set_content(html_part(raw), wait_until="load")
            document_width = page.evaluate("document.documentElement.scrollWidth")
            if document_width > width:
                too_wide.append(f"{language} {kind}: {document_width} px at {width} px")
            broken = page.evaluate(BROKEN_HEADINGS)
            if broken:
                too_wide.append(f"{language} {kind}: row headings broken into lines at {width} px: {broken}")
            if (language, kind) in SCREENSHOTS:
                screenshot(page, f"mail-{language}-{kind}-{width}")
        context.close()
    assert not too_wide, "mails that do not fit the screen:\n" + "\n".join(too_wide)


def test_every_kind_of_mail_passes_axe_on_a_phone(browser, delivered):
    """In German, the default: the English mails are made of the same templates."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.route("**/*", _block_images)
    for (language, kind), raw in delivered.items():
        if language == "de":
            page.set_content(html_part(raw), wait_until="load")
            check_axe(page, f"the German {kind} mail")
    context.close()


def test_every_link_of_the_html_part_is_in_the_text_part_and_on_the_public_address(delivered):
    for (language, kind), raw in delivered.items():
        html, text = html_part(raw), text_part(raw)
        links = set(re.findall(r'href="([^"]+)"', html))
        web = {link for link in links if not link.startswith("mailto:")}
        assert web and all(link.startswith(BASE_URL + "/") for link in web), f"{language} {kind}: {web}"
        missing = [link for link in web if link not in text]
        assert not missing, f"{language} {kind}: links only in the HTML part: {missing}"
        assert set(re.findall(r'src="([^"]+)"', html)) <= {f"cid:{cid}" for cid in re.findall(r'src="cid:([^"]+)"', html)}, kind
