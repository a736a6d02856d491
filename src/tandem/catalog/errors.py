"""Catalog refusals, each with a stable code (see API.md)."""

from tandem.core.errors import (
    Conflict,
    InvalidReference,  # noqa: F401  (shared; re-exported)
    ValidationFailed,
)


class UomIncompatible(ValidationFailed):
    code = "uom.incompatible"
    title = "Units of different categories"


class InUse(Conflict):
    code = "catalog.in_use"
    title = "Still in use"


class CategoryCycle(ValidationFailed):
    code = "category.cycle"
    title = "A category cannot sit under itself"
