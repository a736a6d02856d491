from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import CompanyScoped


class Product(CompanyScoped):
    """Placeholder; the catalog work fills it in."""

    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    history = HistoricalRecords()

    def __str__(self):
        return f"[{self.sku}] {self.name}"
