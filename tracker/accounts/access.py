"""Who may do what: decorators for views, and the login manager's hooks."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import login_manager
from .models import User
from .sessions import user_of_session

login_manager.login_view = "accounts.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """The account of the session's login (see tracker.accounts.sessions); an ended login is logged out."""
    return user_of_session(session_token)


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
