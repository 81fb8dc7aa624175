"""Administrators manage user accounts: list, create, change role, deactivate, reset password. All audited."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user
from sqlalchemy import func, select

from ..audit.services import record
from ..extensions import db
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from .access import admin_required
from .forms import ROLE_CHOICES, ActiveForm, NewUserForm, PasswordResetForm, RoleForm
from .models import User
from .services import MIN_PASSWORD_LENGTH, AccountError, change_role, create_user, reset_password, set_active
from .sessions import end_all_sessions, open_sessions, start_session

bp = Blueprint("admin", __name__, url_prefix="/admin/users")


@bp.context_processor
def _role_labels():
    return {"role_labels": dict(ROLE_CHOICES)}


def _message(error: AccountError) -> str:
    return {
        "duplicate": _("An account with this e-mail address exists already."),
        "short_password": ngettext("The password needs at least %(num)d character.",
                                   "The password needs at least %(num)d characters.", MIN_PASSWORD_LENGTH),
        "self": _("You cannot take away your own administrator access."),
    }.get(error.code, _("This change is not possible."))


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/", methods=["GET", "POST"])
@admin_required
def users():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.name.data, form.password.data, form.role.data)
        except AccountError as error:
            form.email.errors.append(_message(error))
        else:
            db.session.flush()
            record("users.created", account_id=user.id, role=user.role)
            db.session.commit()
            flash(_("The account for %(name)s has been created.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    accounts = db.session.execute(select(User).order_by(func.lower(User.name))).scalars().all()
    status = 400 if form.errors else 200
    return render_template("accounts/admin_users.html", form=form, accounts=accounts), status


@bp.route("/<int:user_id>", methods=["GET"])
@admin_required
def user(user_id: int):
    account = _user(user_id)
    return render_template(
        "accounts/admin_user.html",
        account=account,
        role_form=RoleForm(role=account.role),
        password_form=PasswordResetForm(),
        active_form=ActiveForm(),
        open_sessions=open_sessions(account),
    )


def _apply(user_id: int, form, change, success: str):
    """Validate the form, apply the change, audit and commit; or show the page again with the reason."""
    account = _user(user_id)
    if form.validate_on_submit():
        try:
            action = change(account)
        except AccountError as error:
            flash(_message(error), "error")
        else:
            record(action, account_id=account.id, role=account.role, active=account.active)
            db.session.commit()
            flash(success, "success")
        return redirect(url_for("admin.user", user_id=account.id))
    return (
        render_template(
            "accounts/admin_user.html",
            account=account,
            role_form=form if isinstance(form, RoleForm) else RoleForm(role=account.role),
            password_form=form if isinstance(form, PasswordResetForm) else PasswordResetForm(),
            active_form=ActiveForm(),
                open_sessions=open_sessions(account),
        ),
        400,
    )


@bp.post("/<int:user_id>/role")
@admin_required
def set_role(user_id: int):
    form = RoleForm()

    def change(account):
        change_role(account, form.role.data, current_user)
        return "users.role_changed"

    return _apply(user_id, form, change, _("The role has been changed."))


@bp.post("/<int:user_id>/active")
@admin_required
def toggle_active(user_id: int):
    def change(account):
        set_active(account, not account.active, current_user)
        return "users.reactivated" if account.active else "users.deactivated"

    return _apply(user_id, ActiveForm(), change, _("The account has been updated."))


@bp.post("/<int:user_id>/password")
@admin_required
def set_password(user_id: int):
    form = PasswordResetForm()

    def change(account):
        reset_password(account, form.password.data)
        if account.id == current_user.id:  # the reset ends every session of the account: this one starts anew
            start_session(account)
            login_user(account)
        return "users.password_reset"

    return _apply(user_id, form, change, _("The new password has been set. Pass it on to the person in a safe way."))


@bp.post("/<int:user_id>/sessions/end")
@admin_required
def end_sessions(user_id: int):
    def change(account):
        end_all_sessions(account)
        return "users.sessions_ended"

    return _apply(user_id, ActiveForm(), change, _("Every session of the account has ended."))
