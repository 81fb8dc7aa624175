"""Who may do what: decorators for views, and the login manager's hooks."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db, login_manager
from .models import User

login_manager.login_view = "accounts.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session's account (see User.get_id); the sessions of a deactivated account, or signed in before its
    password was reset, end at their next request."""
    user_id, _, stamp = session_id.partition("-")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 10 else None
    return user if user is not None and user.active and stamp == user.password_stamp else None


def _requires(check):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


organiser_required = _requires(lambda user: user.is_organiser)
"""The view is for organisers (and administrators)."""

admin_required = _requires(lambda user: user.is_admin)
"""The view is for administrators."""
