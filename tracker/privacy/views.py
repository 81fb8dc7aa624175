"""The privacy notice, and the invitee's own data: download and erasure from the personal link."""
import json

from flask import Blueprint, Response, current_app, g, render_template
from flask_babel import get_locale

from .. import limits
from ..database import utcnow
from ..extensions import db
from ..invitees.links import find_by_token
from .forms import ErasureForm
from .services import erase_invitee, export_invitee, retention_days

bp = Blueprint("privacy", __name__)


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
