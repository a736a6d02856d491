"""Leave notifications by email, the way the rest of Tandem notifies (crm activity reminders,
service escalations): plain `send_mail` after the change commits, in the recipient's
language, a failed send logged and never undoing the change. The approver hears of a
submitted request; the employee of its approval or refusal. The address is the linked
user's, else the employee record's own; nobody to write to, nothing is sent."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _address(employee) -> tuple[str, str]:
    """(email, language) of an employee: the linked user's, else the record's own email."""
    user = employee.user if employee.user_id else None
    email = (user.email if user else "") or employee.email
    language = (getattr(user, "language", "") if user else "") or settings.LANGUAGE_CODE
    return email, language


def _text(request, event: str, language: str) -> tuple[str, str]:
    with translation.override(language):
        what = {
            "type": request.leave_type.name,
            "employee": request.employee.name,
            "start": request.start.isoformat(),
            "end": request.end.isoformat(),
            "days": request.days.normalize(),
        }
        if event == "submitted":
            subject = _("Leave to approve: %(employee)s, %(start)s to %(end)s") % what
        elif event == "approved":
            subject = _("Your leave from %(start)s to %(end)s is approved") % what
        else:
            subject = _("Your leave from %(start)s to %(end)s is refused") % what
        lines = [
            _("%(employee)s: %(type)s, %(start)s to %(end)s (%(days)s)") % what,
        ]
        if request.reason:
            lines.append(_("Reason: %(reason)s") % {"reason": request.reason})
        if event != "submitted" and request.decision_note:
            lines.append(_("Note: %(note)s") % {"note": request.decision_note})
        lines.append(_("Leave requests: %(url)s") % {"url": "/hr/leave/"})
    return subject[:200], "\n".join(lines)


def leave_notify(request, event: str) -> str:
    """Queue the email for `event` (submitted, approved, refused) to be sent on commit;
    answers who it goes to (or why nobody)."""
    recipient = request.approver if event == "submitted" else request.employee
    if recipient is None:
        return "nobody to notify"
    email, language = _address(recipient)
    if not email:
        return f"{recipient.number} has no email address"
    subject, body = _text(request, event, language)

    def send():
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        except Exception:  # noqa: BLE001  the decision stands; a failed send is logged
            logger.exception("leave notification to %s failed", email)

    transaction.on_commit(send)
    return f"mailed {email}"
