"""The Team tab of an event: who manages it, who may read it; managers add, change and remove colleagues."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..navigation import event_tab
from ..web import event_view
from . import teams
from .forms import ConfirmForm, TeamMemberForm, TeamRoleForm
from .models import Event
from .views import bp

event_tab("Team", "events.team", 95)


def _member_or_404(event: Event, user_id: int) -> teams.EventTeamMember:
    entry = teams.member(event, user_id)
    if entry is None:
        abort(404)
    return entry


def _last_manager_message() -> str:
    return _("The event needs at least one manager. Make another member a manager first.")


@bp.route("/<int:event_id>/team", methods=["GET", "POST"])
@event_view
def team(event: Event):
    form = TeamMemberForm()
    if form.validate_on_submit():
        user = teams.organiser_by_email(form.email.data)
        if user is None:
            form.email.errors.append(_("There is no active organiser account with this e-mail address."))
        elif teams.member(event, user.id) is not None:
            form.email.errors.append(_("%(name)s is already on the team.", name=user.name))
        else:
            teams.add_member(event, user, form.role.data)
            db.session.commit()
            flash(_("%(name)s is now on the team.", name=user.name), "success")
            return redirect(url_for("events.team", event_id=event.id))
    members = teams.members(event)
    role_forms = {
        entry.user_id: TeamRoleForm(formdata=None, prefix=f"member-{entry.user_id}", role=entry.role)
        for entry in members
    }
    status = 422 if form.errors else 200
    return render_template("events/team.html", event=event, form=form, members=members, role_forms=role_forms,
                           role_labels=teams.TEAM_ROLE_LABELS), status


@bp.post("/<int:event_id>/team/<int:member_id>/role")
@event_view
def change_team_role(event: Event, member_id: int):
    entry = _member_or_404(event, member_id)
    form = TeamRoleForm(prefix=f"member-{member_id}")
    if form.validate_on_submit():
        try:
            teams.change_role(entry, form.role.data)
        except teams.LastManagerError:
            db.session.rollback()
            flash(_last_manager_message(), "error")
        else:
            db.session.commit()
            flash(_("The role of %(name)s has been changed.", name=entry.user.name), "success")
    return redirect(url_for("events.team", event_id=event.id))


@bp.post("/<int:event_id>/team/<int:member_id>/remove")
@event_view
def remove_team_member(event: Event, member_id: int):
    entry = _member_or_404(event, member_id)
    if ConfirmForm().validate_on_submit():
        name = entry.user.name
        try:
            teams.remove_member(entry)
        except teams.LastManagerError:
            db.session.rollback()
            flash(_last_manager_message(), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is no longer on the team.", name=name), "success")
    return redirect(url_for("events.team", event_id=event.id))
