from flask import Blueprint, render_template
from sqlalchemy import select

from ..accounts.access import organiser_required
from ..extensions import db
from .models import Event

bp = Blueprint("events", __name__, url_prefix="/events")


@bp.get("/")
@organiser_required
def index():
    events = db.session.execute(select(Event).order_by(Event.starts_at.desc())).scalars().all()
    return render_template("events/index.html", events=events)
