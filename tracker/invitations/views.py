"""The organisers' invitations tab: send invitations and reminders, watch progress, see and resend each mail."""
import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..events.models import Event
from ..events.views import form_page
from ..extensions import db
from ..i18n import safe_next
from ..invitees.models import Invitee
from ..mail import outbox
from ..mail.models import BatchKind, InvitationBatch
from ..navigation import event_tab
from ..web import child_or_404, event_view, query_number
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from . import services
from .forms import BatchForm, InvitationTextForm
from .services import BatchError, InvitationState

bp = Blueprint("invitations", __name__, url_prefix="/events/<int:event_id>/invitations")
event_tab("Invitations", "invitations.index", 40)


@bp.get("")
@event_view
def index(event: Event):
    state = request.args.get("state") if request.args.get("state") in set(InvitationState) else None
    group_id = query_number("group")
    pagination, mails = services.invitee_page(event.id, state=state, group_id=group_id)
    return render_template(
        "invitations/index.html",
        event=event,
        counts=services.state_counts(event.id),
        unanswered=services.unanswered_count(event.id),
        batch=services.latest_batch(event.id),
        running=services.unfinished_batch(event.id) is not None,
        batch_progress=services.batch_progress,
        pagination=pagination,
        mails=mails,
        mail_state=services.mail_state,
        problem_mails=outbox.problem_mails(event.id, except_kind=BatchKind.INVITATION),
        states=list(InvitationState),
        state_labels=services.INVITATION_STATE_LABELS,
        state=state,
        group_id=group_id,
        new_submission_key=lambda: secrets.token_hex(16),
    )


def _previews(event: Event, kind: str) -> list[services.MailPreview]:
    return [services.preview_mail(event, kind, language) for language in ("de", "en")]


@bp.post("/batches/confirm")
@event_view
def confirm_batch(event: Event):
    """The confirmation step: how many people get which mail (as it will be sent); nothing is queued yet."""
    form = BatchForm(event)
    problem, values = form.problem(), form.values
    count = 0 if problem else services.batch_size(
        event.id, values["kind"], values["scope"], values["group_id"], values["invitee_ids"]
    )
    if not problem and count == 0:
        problem = str(services.nobody_left_message(values["kind"]))
    if problem:
        flash(problem, "error")
        return redirect(url_for(".index", event_id=event.id))
    group = next((g for g in event.groups if g.id == values["group_id"]), None)
    return render_template(
        "invitations/confirm.html", event=event, values=values, count=count, group=group,
        previews=_previews(event, values["kind"]), sample_name=services.SAMPLE_NAME,
    )


@bp.post("/batches")
@event_view
def start_batch(event: Event):
    """Start queueing invitations or reminders; the page then shows (and drives) the progress."""
    form = BatchForm(event)
    problem, values = form.problem(), form.values
    if problem:
        flash(problem, "error")
        return redirect(url_for(".index", event_id=event.id))
    try:
        batch = services.start_batch(event.id, **values, created_by_id=current_user.id)
        db.session.commit()
    except BatchError as error:
        db.session.rollback()
        flash(str(error.args[0]), "error")
        return redirect(url_for(".index", event_id=event.id))
    except IntegrityError:
        # The same form was submitted twice at the same moment: the other request made the batch.
        db.session.rollback()
    else:
        if values["kind"] == BatchKind.INVITATION:
            flash(ngettext("An invitation to %(num)s person is being queued.",
                           "Invitations to %(num)s people are being queued.", batch.total), "success")
        else:
            flash(ngettext("A reminder to %(num)s person is being queued.", "Reminders to %(num)s people are being queued.",
                           batch.total), "success")
    return redirect(url_for(".index", event_id=event.id, _anchor="batch-progress"))


@bp.route("/text", methods=["GET", "POST"])
@event_view
def text(event: Event):
    """The event's own invitation text, with the invitation as it will be sent in German and English."""
    form = InvitationTextForm(data={"text": event.invitation_text or ""})
    if form.validate_on_submit():
        event.invitation_text = form.text.data or None
        record("invitations.text_changed", event_id=event.id, length=len(form.text.data or ""))
        db.session.commit()
        flash(gettext("The invitation text has been saved."), "success")
        return redirect(url_for(".text", event_id=event.id, _anchor="mail-previews"))
    return form_page(
        "invitations/text.html", form, event=event, previews=_previews(event, BatchKind.INVITATION),
        sample_name=services.SAMPLE_NAME,
    )


@bp.get("/batches/<int:batch_id>/progress")
@event_view
def batch_progress(event: Event, batch_id: int):
    """The batch's figures (queued, sent, failed) for the page's polling script."""
    return services.batch_progress(child_or_404(InvitationBatch, batch_id, event))


@bp.post("/batches/<int:batch_id>/advance")
@event_view
def advance_batch(event: Event, batch_id: int):
    """Queue the next chunk of a batch and report the progress (JSON for the page's script)."""
    child_or_404(InvitationBatch, batch_id, event)
    batch = services.advance_batch(batch_id)
    db.session.commit()
    return services.batch_progress(batch)


@bp.post("/invitees/<int:invitee_id>/resend")
@event_view
def resend(event: Event, invitee_id: int):
    """Send one invitee's invitation again (or for the first time)."""
    invitee = child_or_404(Invitee, invitee_id, event)
    back = safe_next(request.form.get("next"), url_for(".index", event_id=event.id))
    try:
        services.resend_invitation(invitee)
        db.session.commit()
    except BatchError as error:
        db.session.rollback()
        flash(str(error.args[0]), "error")
    else:
        flash(gettext("A new invitation to %(name)s has been queued.", name=invitee.name), "success")
    return redirect(back)


@bp.post("/mails/<int:mail_id>/requeue")
@event_view
def requeue(event: Event, mail_id: int):
    """Send a failed or uncertain mail (confirmation, reminder, ...) again, as it was."""
    if outbox.requeue_mail(mail_id, event.id):
        db.session.commit()
        flash(gettext("The mail has been queued again."), "success")
    else:
        flash(gettext("This mail cannot be sent again: it has been sent or is on its way."), "error")
    return redirect(url_for(".index", event_id=event.id, _anchor="problem-mails"))
