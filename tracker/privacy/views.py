"""The privacy notice, the accessibility statement, and the invitee's own data: download and erasure."""
import json
from datetime import date

from flask import Blueprint, Response, current_app, g, render_template
from flask_babel import get_locale

from .. import limits
from ..database import utcnow
from ..extensions import db
from ..invitees.links import find_by_token
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from .forms import ErasureForm
from .services import erase_invitee, export_invitee, retention_days

bp = Blueprint("privacy", __name__)

#: When the accessibility statement was prepared (a self-assessment); change it with every review of the statement.
ACCESSIBILITY_STATEMENT_DATE = date(2026, 12, 4)


@bp.get("/datenschutz")
def notice():
    """The notice: the instance's own text (PRIVACY_NOTICE_DE / _EN) or the default one."""
    custom = current_app.config.get(f"PRIVACY_NOTICE_{str(get_locale()).upper()}")
    return render_template(
        "privacy/notice.html",
        custom=custom,
        retention_days=retention_days(),
        stream_retention_days=current_app.config["STREAM_RETENTION_DAYS"],
        contact=current_app.config["PRIVACY_CONTACT"],
    )


@bp.get("/barrierefreiheit")
def accessibility():
    """The accessibility statement that BITV 2.0 and BayBITV require of a public body: contact and enforcement."""
    config = current_app.config
    return render_template(
        "privacy/accessibility.html",
        prepared_on=ACCESSIBILITY_STATEMENT_DATE,
        office=config["OFFICE_NAME"],
        office_address=config["OFFICE_ADDRESS"],
        contact=config["ACCESSIBILITY_CONTACT"],
        body=config["ACCESSIBILITY_ENFORCEMENT_BODY"],
        body_url=config["ACCESSIBILITY_ENFORCEMENT_URL"],
    )


def _invitee(token: str):
    invitee = find_by_token(token)
    if invitee is not None:
        g.page_language = invitee.language
    return invitee


def _unknown_link():
    return render_template("registration/unknown_link.html"), 404


@bp.get("/t/<token>/privacy/data.json")
@limits.personal_link
def download(token: str):
    invitee = _invitee(token)
    if invitee is None or invitee.event.purged_at:
        return _unknown_link()
    body = json.dumps(export_invitee(invitee), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="meine-daten.json"'},
    )


@bp.route("/t/<token>/privacy/erase", methods=["GET", "POST"])
@limits.personal_link
def erase(token: str):
    invitee = _invitee(token)
    if invitee is None or invitee.event.purged_at:
        return _unknown_link()
    form = ErasureForm()
    if form.validate_on_submit():
        erase_invitee(invitee.id, utcnow())
        db.session.commit()
        return render_template("privacy/erased.html")
    status = 400 if form.errors else 200
    return render_template("privacy/erase.html", form=form, invitee=invitee, token=token), status
