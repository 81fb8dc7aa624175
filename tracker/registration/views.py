"""The invitee's personal page, the staff self-registration and the organisers' registration tab."""
from datetime import datetime
from functools import wraps
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from .. import limits
from ..extensions import db
from ..invitees.links import find_by_token, personal_token, personal_url
from ..invitees.models import Invitee
from ..navigation import event_tab
from ..events.models import Event
from ..events.views import flash_promoted
from ..tickets.qr import qr_svg
from ..web import event_view
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from . import mails, self_registration, services
from .forms import AnswerForm, ButtonForm, ControlForm, DeadlineForm, SelfRegistrationForm
from .models import Mode, Status
from .services import AnswerRefused, Choice, Phase

bp = Blueprint("registration", __name__)

event_tab("Registration", "registration.manage", 30)

#: Guessing personal links: only unknown tokens count against the limit, so real invitees are never slowed.
token_limit = limits.unknown_link


@bp.after_app_request
def _no_referrer_for_token_urls(response: Response) -> Response:
    """Addresses with a personal or public token must not leak to other sites, nor be cached."""
    if request.path.startswith(("/t/", "/anmeldung/")):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_filter("date_and_time")
def date_and_time(moment: datetime) -> str:
    """Date and time without seconds in the page's time zone, e.g. "4. Dezember 2026, 18:00"."""
    return f"{format_date(moment, 'long')}, {format_time(moment, 'short')}"


def _unknown_link():
    return render_template("registration/unknown_link.html"), 404


def personal_link_view(view):
    """Look the token up (a friendly 404 if unknown), open the page in the invitee's language, pass the invitee.

    The invitee's event and registration come in the same statement: every personal page shows them.
    """

    @wraps(view)
    def wrapped(token: str):
        invitee = find_by_token(token, joinedload(Invitee.event), joinedload(Invitee.registration))
        if invitee is None:
            return _unknown_link()
        g.page_language = invitee.language
        return view(invitee, token)

    return token_limit(wrapped)


# --- The personal page ------------------------------------------------------------------------


@bp.route("/t/<token>", methods=["GET", "POST"])
@personal_link_view
def personal(invitee: Invitee, token: str):
    form = AnswerForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Please choose one of the offered answers."), "error")
            return redirect(url_for(".personal", token=token))
        try:
            outcome = services.answer(invitee.id, Choice(form.choice.data))
        except AnswerRefused as refused:
            db.session.rollback()
            flash(str(refused.message), "error")
            return redirect(url_for(".personal", token=token))
        db.session.commit()
        flash(*_answer_message(outcome))
        return redirect(url_for(".personal", token=token))
    return render_template("registration/personal.html", **_page_context(invitee, token), form=form)


def _answer_message(outcome: services.Outcome) -> tuple[str, str]:
    registration = outcome.registration
    if not outcome.changed:
        return _("Nothing has changed: this already is your answer."), "info"
    if registration.holds_hall_seat:
        return _("Your seat in the hall is confirmed. Your ticket will arrive by e-mail within a few minutes."), "success"
    if registration.status == Status.CONFIRMED:
        return _("Your livestream place is confirmed. The link will arrive by e-mail within a few minutes."), "success"
    if registration.status == Status.WAITING:
        return _("The hall is full. You are on the waiting list and can follow the livestream meanwhile."), "warning"
    if registration.status == Status.DECLINED:
        return _("Thank you for letting us know. Your answer is: I cannot attend."), "success"
    return _("Your registration is cancelled. Your ticket is no longer valid."), "success"


def _page_context(invitee: Invitee, token: str) -> dict:
    event = invitee.event
    registration = invitee.registration
    context = {
        "invitee": invitee,
        "event": event,
        "registration": registration,
        "token": token,
        "phase": services.phase(event),
        "Phase": Phase,
        "watch_link": personal_url(invitee, "/watch"),
    }
    if registration is not None and registration.status == Status.WAITING:
        context["waiting_position"] = services.waiting_position(registration)
    if registration is not None and registration.holds_hall_seat:
        context["qr"] = _ticket_qr(registration.active_ticket.code)
    elif context["phase"] is Phase.OPEN and (registration is None or registration.mode != Mode.HALL
                                             or registration.status not in (Status.CONFIRMED, Status.WAITING)):
        context["hall_seat_free"] = services.hall_seat_free_for(invitee)
    return context


def _ticket_qr(code: str) -> Markup:
    return Markup(qr_svg(code, title=_("QR code of your ticket %(code)s", code=code)))


@bp.get("/t/<token>/ticket")
@personal_link_view
def ticket(invitee: Invitee, token: str):
    """The printable ticket."""
    registration = invitee.registration
    if registration is None or not registration.holds_hall_seat:
        flash(_("You have no seat in the hall, so there is no ticket to print."), "info")
        return redirect(url_for(".personal", token=token))
    code = registration.active_ticket.code
    return render_template(
        "registration/ticket.html", invitee=invitee, event=invitee.event, token=token, code=code, qr=_ticket_qr(code)
    )


@bp.get("/t/<token>/calendar.ics")
@personal_link_view
def calendar(invitee: Invitee, token: str):
    return Response(
        mails.calendar_file(invitee),
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="infotag.ics"'},
    )


# --- Self-registration for staff ----------------------------------------------------------------


def _open_event(public_token: str) -> Event | None:
    event = db.session.execute(db.select(Event).filter_by(public_token=public_token)).scalar_one_or_none()
    if event is None or not event.self_registration or event.purged_at is not None:
        return None
    return event


@bp.route("/anmeldung/<public_token>", methods=["GET", "POST"])
@limits.self_registration
@token_limit
def sign_up(public_token: str):
    event = _open_event(public_token)
    if event is None:
        return _unknown_link()
    form = SelfRegistrationForm()
    current = services.phase(event)
    if current is Phase.OPEN and form.validate_on_submit():
        email = form.email.data.strip()
        if not self_registration.domain_allowed(event, email):
            form.email.errors.append(_("Please use your work address (%(domains)s).", domains=_domains(event)))
        else:
            sign_up_request = self_registration.SignUpRequest(
                event.id, form.name.data.strip(), email, form.unit.data.strip(), str(get_locale().language)
            )
            self_registration.request_sign_up(event, sign_up_request)
            db.session.commit()
            return render_template("registration/sign_up_sent.html", event=event, email=email,
                                   hours=self_registration.CONFIRMATION_HOURS)
    status = 422 if form.errors else 200
    return render_template(
        "registration/sign_up.html", event=event, form=form, phase=current, Phase=Phase, domains=_domains(event)
    ), status


def _domains(event: Event) -> str:
    return ", ".join("@" + domain for domain in event.allowed_domains)


@bp.route("/anmeldung/<public_token>/confirm/<signed>", methods=["GET", "POST"])
@token_limit
def confirm_sign_up(public_token: str, signed: str):
    event = _open_event(public_token)
    if event is None:
        return _unknown_link()
    sign_up_request = self_registration.read_sign_up(event, signed)
    if sign_up_request is None or not self_registration.domain_allowed(event, sign_up_request.email):
        return render_template("registration/sign_up_expired.html", event=event), 404
    g.page_language = sign_up_request.language
    current = services.phase(event)
    if current is not Phase.OPEN:
        return render_template(
            "registration/sign_up.html", event=event, form=SelfRegistrationForm(), phase=current, Phase=Phase
        ), 409
    form = ButtonForm()
    if form.validate_on_submit():
        invitee, created = self_registration.confirm_sign_up(event, sign_up_request)
        db.session.commit()
        if created:
            flash(_("Your e-mail address is confirmed. Please choose how you will attend."), "success")
        else:
            flash(_("You are already registered for this event. This is your personal page."), "info")
        return redirect(url_for(".personal", token=personal_token(invitee)))
    return render_template("registration/sign_up_confirm.html", event=event, request_data=sign_up_request, form=form)


# --- Organisers -----------------------------------------------------------------------------------


def _manage_page(event: Event, control: ControlForm, deadline_form: DeadlineForm, status: int = 200):
    return render_template(
        "registration/manage.html",
        event=event,
        control=control,
        button=ButtonForm(),
        deadline_form=deadline_form,
        phase=services.phase(event),
        Phase=Phase,
        summary=services.summary(event),
        waiting=services.waiting_list(event),
        sign_up_link=url_for(".sign_up", public_token=event.public_token, _external=True),
    ), status


@bp.get("/events/<int:event_id>/registration")
@event_view
def manage(event: Event):
    deadline_form = DeadlineForm()
    if event.registration_deadline:
        deadline_form.deadline.data = event.registration_deadline.astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)
    return _manage_page(event, ControlForm(), deadline_form)


@bp.post("/events/<int:event_id>/registration/control")
@event_view
def manage_control(event: Event):
    control = ControlForm()
    if not control.validate_on_submit():
        abort(400)
    if control.action.data == "close":
        services.close_registration(event.id)
        flash(_("Registration is closed. Invitees can no longer change their answers."), "success")
    else:
        services.reopen_registration(event.id)
        flash(_("Registration is open again."), "success")
    db.session.commit()
    return redirect(url_for(".manage", event_id=event.id))


@bp.post("/events/<int:event_id>/registration/promote")
@event_view
def manage_promote(event: Event):
    if not ButtonForm().validate_on_submit():
        abort(400)
    promoted = services.promote_waiting(event.id)
    db.session.commit()
    if promoted:
        flash_promoted(promoted)
    else:
        flash(_("Nobody moved up: there is no free seat for the people waiting."), "info")
    return redirect(url_for(".manage", event_id=event.id))


@bp.post("/events/<int:event_id>/registration/deadline")
@event_view
def manage_deadline(event: Event):
    deadline_form = DeadlineForm()
    if not deadline_form.validate_on_submit():
        return _manage_page(event, ControlForm(), deadline_form, 422)
    local: datetime | None = deadline_form.deadline.data
    services.set_deadline(event.id, local.replace(tzinfo=ZoneInfo(event.timezone)) if local else None)
    db.session.commit()
    flash(_("The deadline has been saved."), "success")
    return redirect(url_for(".manage", event_id=event.id))
