from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import CompanyScoped


class Party(CompanyScoped):
    """The one customer/supplier master (placeholder; the parties issue fills it in)."""

    name = models.CharField(_("name"), max_length=200)
    is_customer = models.BooleanField(_("customer"), default=False)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    history = HistoricalRecords()

    def __str__(self):
        return self.name
