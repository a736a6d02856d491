"""What the import framework keeps between files (see tandem.core.imports).

Job rows hold one run's progress and rejected rows; these two tables hold what must outlive a
run: the link from a source system's key to the row it became (so a re-import updates instead
of duplicating), and the column mappings a user saved per source ("Odoo export", "金蝶").
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import CompanyScoped


class ImportKey(CompanyScoped):
    """The row (`target_id`, a primary key of the object's main model) that the external key
    `key` of importable `object` became."""

    object = models.CharField(_("object"), max_length=40)
    key = models.CharField(_("external key"), max_length=200)
    target_id = models.BigIntegerField(_("record"))

    class Meta:
        verbose_name = _("import key")
        verbose_name_plural = _("import keys")
        constraints = [
            models.UniqueConstraint(fields=["company", "object", "key"], name="import_key_unique"),
        ]

    def __str__(self):
        return f"{self.object}:{self.key} -> {self.target_id}"


class ImportMapping(CompanyScoped):
    """A saved column -> field mapping of one object for one source."""

    object = models.CharField(_("object"), max_length=40)
    source = models.CharField(_("source"), max_length=100)
    mapping = models.JSONField(_("mapping"), default=dict)

    class Meta:
        ordering = ["object", "source"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "object", "source"], name="import_mapping_unique"
            ),
        ]

    def __str__(self):
        return f"{self.object}: {self.source}"
