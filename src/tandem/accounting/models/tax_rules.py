"""Default taxes per product category, and per-party tax rules.

A party's rule works like a fiscal position: the party may be tax-exempt, or have some
default taxes replaced by others (an export customer's 13 % output VAT becomes 0 %).

The rule applies to the taxes a line takes by default (product, then category); a line
that names its taxes keeps them.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

from .documents import Tax


class PartyTaxRule(CompanyScoped):
    party = models.ForeignKey(
        "parties.Party", on_delete=models.CASCADE, related_name="+", verbose_name=_("party")
    )
    tax_exempt = models.BooleanField(
        _("tax exempt"),
        default=False,
        help_text=_("Lines take no default taxes for this party."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["party__name", "id"]
        verbose_name = _("party tax rule")
        verbose_name_plural = _("party tax rules")
        constraints = [
            models.UniqueConstraint(fields=["party"], name="party_tax_rule_one"),
        ]

    def __str__(self):
        return str(self.party_id)


class PartyTaxMapping(CompanyScoped):
    """`tax` becomes `replacement` (of the same scope); no replacement drops the tax."""

    rule = models.ForeignKey(
        PartyTaxRule, on_delete=models.CASCADE, related_name="mappings", verbose_name=_("rule")
    )
    tax = models.ForeignKey(Tax, on_delete=models.PROTECT, related_name="+", verbose_name=_("tax"))
    replacement = models.ForeignKey(
        Tax,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("replaced by"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("tax mapping")
        verbose_name_plural = _("tax mappings")
        constraints = [
            models.UniqueConstraint(fields=["rule", "tax"], name="party_tax_mapping_unique"),
            models.CheckConstraint(
                condition=~Q(replacement=F("tax")), name="party_tax_mapping_not_same"
            ),
        ]

    def __str__(self):
        return f"{self.tax_id} -> {self.replacement_id}"


class CategoryTax(CompanyScoped):
    """A default tax of a catalog category's products (and of its children's without their
    own). A product's own taxes of a scope win over these. Kept on the accounting side: the
    catalog never imports it."""

    category = models.ForeignKey(
        "catalog.ProductCategory",
        on_delete=models.CASCADE,
        related_name="default_tax_links",
        verbose_name=_("product category"),
    )
    # a default, not a figure: deleting the tax drops the link (as for a product's taxes)
    tax = models.ForeignKey(Tax, on_delete=models.CASCADE, related_name="+", verbose_name=_("tax"))

    class Meta:
        ordering = ["category_id", "tax__sequence", "tax_id"]
        verbose_name = _("category tax")
        verbose_name_plural = _("category taxes")
        constraints = [
            models.UniqueConstraint(fields=["category", "tax"], name="category_tax_unique"),
        ]

    def __str__(self):
        return f"{self.category_id}: {self.tax_id}"
