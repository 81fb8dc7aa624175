"""The report after the event: the headline sentences stated from the figures, the funnel, and the PDF."""
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext, ngettext

from .figures import EventFigures


@dataclass(frozen=True)
class FunnelStep:
    label: str
    count: int
    #: Share of the first step (the people on the list), 0..1.
    share: float | None


def headline(figures: EventFigures) -> str:
    """E.g. "130 guests in the council hall and 70 more people on the livestream." in the current language.

    Hall guests who also watched online are counted once, in the hall (see EventFigures.followed_online).
    """
    present, online = figures.totals.present, figures.followed_online
    hall = ngettext("%(num)s guest in the council hall", "%(num)s guests in the council hall", present)
    if not figures.livestream and not online:
        return gettext("%(hall)s.", hall=hall)
    stream = ngettext("%(num)s more person on the livestream", "%(num)s more people on the livestream", online)
    return gettext("%(hall)s and %(online)s.", hall=hall, online=stream)


def counting_note(figures: EventFigures) -> str:
    """How the headline counts: the online threshold and the hall guests who also watched online."""
    note = ngettext(
        "Online counts who watched at least %(num)s minute without being in the hall.",
        "Online counts who watched at least %(num)s minutes without being in the hall.",
        figures.online_threshold_minutes,
    )
    if figures.both:
        note += " " + ngettext(
            "%(num)s person in the hall also watched online; they are counted once, in the hall.",
            "%(num)s people in the hall also watched online; they are counted once, in the hall.",
            figures.both,
        )
    if figures.followed_online:
        note += " " + ngettext("%(num)s person was reached in all.", "%(num)s people were reached in all.",
                               figures.reached)
    return note


def headlines(figures: EventFigures) -> dict[str, str]:
    """The headline in German and in English, whatever the page's language."""
    result = {}
    for language in ("de", "en"):
        with force_locale(language):
            result[language] = headline(figures)
    return result


def funnel(figures: EventFigures) -> list[FunnelStep]:
    """On the list, invited, answered, registered (hall or livestream), attended (hall or online, once)."""
    totals = figures.totals
    steps = [
        (gettext("On the list"), totals.invitees),
        (gettext("Invited"), totals.invited),
        (gettext("Answered"), totals.answered),
        (gettext("Registered"), totals.registered),
        (gettext("Attended (hall or online)"), attended_invitees(figures)),
    ]
    first = totals.invitees
    return [FunnelStep(label, count, count / first if first else None) for label, count in steps]


def attended_invitees(figures: EventFigures) -> int:
    """Invitees in the hall or followed online with their personal link, each counted once."""
    return figures.totals.present + sum(group.counts.followed_online for group in figures.groups)


def report_pdf(html: str) -> bytes:
    """The printable report: the report page with the print styles of app.css, rendered by WeasyPrint offline.

    Tagged for screen readers (PDF/UA-1: structure, language, title), every page footed with the issuing office
    and its number.
    """
    from weasyprint import CSS, HTML

    stylesheet = CSS(filename=str(Path(current_app.static_folder) / "css" / "app.css"), url_fetcher=_no_fetching)
    footer = CSS(string=page_footer_css(), url_fetcher=_no_fetching)
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=[stylesheet, footer],
                                                                 pdf_variant="pdf/ua-1")


def page_footer_css() -> str:
    """The running footer of every PDF page: the office on the left, "Seite 1 von 3" on the right."""
    page = _css_string(gettext("Page %(page)s of %(pages)s", page="\0", pages="\1"))
    numbers = page.replace("\0", '" counter(page) "').replace("\1", '" counter(pages) "')
    office = _css_string(current_app.config["OFFICE_NAME"])
    margin = "font: 8pt \"DejaVu Sans\", Arial, sans-serif; color: #4a4a4a;"
    return (f"@page {{ @bottom-left {{ content: {office}; {margin} }} "
            f"@bottom-right {{ content: {numbers}; {margin} }} }}")


def _css_string(text: str) -> str:
    """Text as a quoted CSS string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def _no_fetching(url: str, *args, **kwargs):
    """The report embeds its charts; the PDF loads nothing from anywhere."""
    raise ValueError(f"the report PDF loads no resources ({url[:60]})")
