"""The company's CRM settings row: record visibility and the inbound email token."""

from __future__ import annotations

import secrets

from django.db import transaction

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company

from ..models import CrmSettings


def _locked_settings(company: Company) -> CrmSettings:
    CrmSettings.objects.get_or_create(company=company)
    return CrmSettings.objects.select_for_update().get(company=company)


@transaction.atomic
def crm_settings_update(*, company: Company, team_visibility: bool) -> CrmSettings:
    if not isinstance(team_visibility, bool):
        raise ValidationFailed("Enter true or false.", field="team_visibility")
    row = _locked_settings(company)
    row.team_visibility = team_visibility
    row.save()
    return row


@transaction.atomic
def mail_in_token(*, company: Company, regenerate: bool = False) -> str:
    """The company's inbound email token, made on first use; `regenerate` revokes it."""
    row = _locked_settings(company)
    if regenerate or not row.mail_in_token:
        row.mail_in_token = secrets.token_urlsafe(32)
        row.save(update_fields=["mail_in_token", "updated_at"])
    return row.mail_in_token
