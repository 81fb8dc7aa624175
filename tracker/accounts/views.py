from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import limits
from ..extensions import db
from ..i18n import safe_next
from . import access  # noqa: F401  (registers the login manager hooks)
from .forms import LoginForm, LogoutForm
from .services import authenticate
from .sessions import end_session, start_session

bp = Blueprint("accounts", __name__)


def home_for(user) -> str:
    return url_for("events.index") if user.is_organiser else url_for("checkin.door_home")


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@limits.login
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("E-mail address or password is wrong."), "error")
            return render_template("accounts/login.html", form=form), 401
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        start_session(user)
        login_user(user)
        session.permanent = True
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), home_for(user)))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        end_session(current_user.get_id() if current_user.is_authenticated else None)
        db.session.commit()
        logout_user()
        flash(_("You have been logged out."), "info")
    return redirect(url_for("accounts.login"))
