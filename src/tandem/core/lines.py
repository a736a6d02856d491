"""The document-line editor and the foreign-key picker, server side (the UI kit, see
DESIGN.md): every document form (quotations, orders, RFQs, invoices, bills) parses its
lines, re-renders what was typed and places refusals in cells through these helpers.

They live in core, not in web, because the apps' views call them and a lower app never
imports web; the templates (web/_line_editor.html, web/_picker.html) and the scripts
(web/static/web/lines.js, picker.js) are web's. Nothing here knows a document kind: the
app's view hands in its querysets and calls its own services.

Lines are posted as ``lines-<key>-<cell>``: the key is any short token (the browser makes
one per added row), so rows can be added, removed and reordered in the page without a
management form; the rows' order is the order of the fields in the request.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal, InvalidOperation

from django import forms
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .errors import DomainError

LINE_NAME = re.compile(r"^lines-([A-Za-z0-9_]{1,16})-([a-z_]{1,20})$")
CELLS = (
    "product",
    "description",
    "account",
    "quantity",
    "uom",
    "unit_price",
    "discount",
    "taxes",
    "origin_line",
)
NUMBER_CELLS = ("quantity", "unit_price", "discount")
MAX_LINES = 500


def new_key() -> str:
    return "n" + secrets.token_hex(4)


def _number(raw: str) -> Decimal | None:
    """The typed number, or None when it is not one (letters, NaN, infinity)."""
    text = raw.strip().replace(",", "").replace(" ", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _plain(value) -> str:
    """A stored Decimal as a person types it: 12500, not 1.25E+4; 0.5, not 0.500000."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def cell_message(error: DomainError, cell: str) -> str:
    """What a person reads beside the cell a service refused (its code, not its text)."""
    code = error.code
    if code == "sales.price_below_floor":
        floor = _number(str(error.extra.get("floor", ""))) if error.extra else None
        if floor is not None:
            return _("Below the price-list price (%(floor)s).") % {"floor": _plain(floor)}
        return _("Below the price-list price.")
    if code == "tax.scope_mismatch":
        return _("This tax does not apply to this document.")
    if code == "tax.inactive":
        return _("This tax is archived.")
    if code in ("reference.invalid", "not_found"):
        return _("Not found in this company.")
    if code.endswith("not_sellable"):
        return _("This product cannot be sold.")
    if code == "validation.precision":
        return _("Too many decimal places.")
    if cell == "quantity":
        return _("Enter a positive quantity.")
    if cell == "unit_price":
        return _("Enter a price of zero or more.")
    if cell == "discount":
        return _("Enter a discount from 0 to 100.")
    if cell == "uom":
        return _("This unit does not convert to the product's unit.")
    if cell == "description" and code == "validation.required":
        return _("Choose a product or write a description.")
    return error.message


class LineEditor:
    """The lines of one document form: parse, re-render, refuse, and hand to a service.

    `products`, `taxes` (of the document's scope), `uoms` and `accounts` are the company's
    querysets the lines may name; `uoms`/`accounts` None hide those columns. `origin`
    carries each line's link to the order line it came from through every edit (invoices
    made from orders).
    """

    def __init__(
        self,
        *,
        scope: str,
        products,
        taxes,
        uoms=None,
        accounts=None,
        origin: bool = False,
        product_required: bool = True,
    ):
        self.scope = scope
        self.products = products
        self.taxes = taxes
        self.uoms = uoms
        self.accounts = accounts
        self.origin = origin
        self.product_required = product_required
        self.rows: list[dict] = []
        self.keys: list[str] = []  # the row key of each line handed to the service
        self.lines: list[dict] = []
        self.errors: list[str] = []  # refusals of the lines as a whole

    # -- rows ------------------------------------------------------------------------------

    def _row(self, key: str, **cells) -> dict:
        row = {
            "key": key,
            "product": "",
            "product_label": "",
            "description": "",
            "account": "",
            "quantity": "1",
            "uom": "",
            "unit_price": "",
            "discount": "",
            "taxes": [],
            "taxes_set": False,
            "origin_line": "",
            "errors": {},
            "figures": None,
        }
        row.update(cells)
        return row

    def blank(self) -> LineEditor:
        self.rows = [self._row(new_key())]
        return self

    def load(self, lines) -> LineEditor:
        """Rows from saved lines (models with product, quantity, taxes, ...)."""
        self.rows = []
        for line in lines:
            product = getattr(line, "product", None)
            self.rows.append(
                self._row(
                    str(line.pk),
                    product=str(line.product_id or ""),
                    product_label=str(product) if product is not None else "",
                    description=line.description or "",
                    account=str(getattr(line, "account_id", "") or ""),
                    quantity=_plain(line.quantity),
                    uom=str(getattr(line, "uom_id", "") or ""),
                    unit_price=_plain(line.unit_price),
                    discount=_plain(line.discount) if line.discount else "",
                    taxes=[str(t.pk) for t in line.taxes.all()],
                    taxes_set=True,
                    origin_line=getattr(line, "origin_line", "") or "",
                )
            )
        if not self.rows:
            self.blank()
        return self

    # -- parsing ---------------------------------------------------------------------------

    def parse(self, data) -> LineEditor:
        """Rows as typed and, for the rows that parse, the service's line input."""
        keys: list[str] = []
        for name in data:
            match = LINE_NAME.match(name)
            if match and match.group(1) not in keys:
                keys.append(match.group(1))
        if len(keys) > MAX_LINES:
            self.errors.append(_("At most %(count)d lines.") % {"count": MAX_LINES})
            keys = keys[:MAX_LINES]
        getlist = data.getlist if hasattr(data, "getlist") else lambda n: [data[n]]

        def cell(key, name):
            return str(data.get(f"lines-{key}-{name}", "") or "").strip()

        wanted = {cell(k, "product") for k in keys} | {cell(k, "account") for k in keys}
        ids = [v for v in wanted if v.isdigit()]
        products = {str(p.pk): p for p in self.products.filter(pk__in=ids)}
        accounts = {str(a.pk): a for a in self.accounts.filter(pk__in=ids)} if self.accounts else {}
        uoms = {str(u.pk): u for u in self.uoms} if self.uoms is not None else {}
        taxes = {str(t.pk): t for t in self.taxes}
        self.rows, self.keys, self.lines = [], [], []
        for key in keys:
            if cell(key, "DELETE"):  # a Django formset's row marked for removal
                continue
            tax_ids = [t for t in getlist(f"lines-{key}-taxes") if t]
            row = self._row(
                key,
                **{name: cell(key, name) for name in CELLS if name != "taxes"},
                product_label=cell(key, "product_label"),
                taxes=tax_ids,
                taxes_set=bool(cell(key, "taxes_set") or tax_ids),
            )
            self.rows.append(row)
            line = self._line(row, products, accounts, uoms, taxes)
            if line is not None:
                self.keys.append(key)
                self.lines.append(line)
        if not self.rows:
            self.blank()
        return self

    def _line(self, row, products, accounts, uoms, taxes) -> dict | None:
        errors = row["errors"]
        if not (row["product"] or row["description"] or row["unit_price"] or row["account"]):
            return None  # a row added and left empty
        line: dict = {"description": row["description"]}
        product = products.get(row["product"]) if row["product"] else None
        if product is not None:
            line["product"] = product
            row["product_label"] = row["product_label"] or str(product)
        elif row["product"] or self.product_required:
            errors["product"] = _("Choose a product from the list.")
        elif not self.product_required:
            line["product"] = None
        if self.accounts is not None:
            account = accounts.get(row["account"]) if row["account"] else None
            if row["account"] and account is None:
                errors["account"] = _("Choose an account from the list.")
            line["account"] = account
        for name in NUMBER_CELLS:
            raw = row[name]
            if raw == "":
                continue
            value = _number(raw)
            if value is None:
                errors[name] = _("Enter a number.")
            else:
                line[name] = value
        if self.uoms is not None and row["uom"]:
            uom = uoms.get(row["uom"])
            if uom is None:
                errors["uom"] = _("Choose a unit from the list.")
            line["uom"] = uom
        if row["taxes_set"]:
            chosen = [taxes.get(t) for t in row["taxes"]]
            if None in chosen:
                errors["taxes"] = _("This tax does not apply to this document.")
            line["taxes"] = [t for t in chosen if t is not None]
        if self.origin and row["origin_line"]:
            line["origin_line"] = row["origin_line"]
        return None if errors else line

    @property
    def valid(self) -> bool:
        return not self.errors and not any(row["errors"] for row in self.rows)

    # -- refusals and figures --------------------------------------------------------------

    def refuse(self, error: DomainError) -> bool:
        """Place a service's refusal of ``lines.N[.cell]`` beside its cell; False if the
        refusal is not about a line (the caller shows it on the form)."""
        field = error.field or next((e.get("field") for e in error.errors if e.get("field")), "")
        parts = (field or "").split(".")
        if parts[0] != "lines":
            return False
        if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(self.keys):
            key = self.keys[int(parts[1])]
            row = next(r for r in self.rows if r["key"] == key)
            cell = parts[2] if len(parts) > 2 and parts[2] in CELLS else "row"
            row["errors"][cell] = cell_message(error, cell)
            return True
        self.errors.append(error.message)
        return True

    def show(self, computed) -> None:
        """Each line's figures (a service's computed lines, in the order of `lines`)."""
        by_key = dict(zip(self.keys, computed, strict=False))
        for row in self.rows:
            row["figures"] = by_key.get(row["key"])

    # -- rendering -------------------------------------------------------------------------

    def context(
        self,
        *,
        preview_url: str,
        party_field: str = "",
        date_field: str = "",
        currency_field: str = "",
        price_list_field: str = "",
    ) -> dict:
        """What web/_line_editor.html needs (include it `with editor=...`); the header
        fields named here are sent with a product's defaults and the live totals."""
        query = {"scope": self.scope}
        cells = ["product", "description"]
        cells += ["account"] if self.accounts is not None else []
        cells += ["quantity"] + (["uom"] if self.uoms is not None else [])
        cells += ["unit_price", "discount", "taxes", "row"]
        return {
            "rows": self.rows,
            "errors": self.errors,
            "blank": self._row("__key__"),
            "cells": cells,
            "taxes": list(self.taxes),
            "uoms": list(self.uoms) if self.uoms is not None else None,
            "accounts": list(self.accounts) if self.accounts is not None else None,
            "origin": self.origin,
            "scope": self.scope,
            "preview_url": preview_url,
            "party_field": party_field,
            "date_field": date_field,
            "currency_field": currency_field,
            "price_list_field": price_list_field,
            "search_url": reverse("web:pick_products") + "?" + urlencode(query),
            "defaults_url": reverse("web:line_defaults") + "?" + urlencode(query),
        }


def figures_context(computation, currency: str = "") -> dict:
    """Untaxed, tax per rate and total of a `taxes_compute` result, for the totals box."""
    if computation is None:
        return {}
    return {
        "untaxed": computation.untaxed,
        "tax": computation.tax,
        "total": computation.total,
        "taxes": [
            {"label": row.tax.label or row.tax.name, "base": row.base, "amount": row.amount}
            for row in computation.taxes
        ],
        "currency": currency,
    }


class PickerWidget(forms.Widget):
    """A foreign key chosen by typing (web/_picker.html + picker.js) instead of a <select>
    of every record: the field's queryset still validates the chosen id."""

    template_name = "web/widgets/picker.html"

    def __init__(self, *, kind: str, params: dict | None = None, attrs=None):
        super().__init__(attrs)
        self.kind = kind
        self.params = params or {}
        self.choices = ()

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = ""
        queryset = getattr(self.choices, "queryset", None)
        if value not in (None, "") and queryset is not None:
            found = queryset.filter(pk=value).first() if str(value).isdigit() else None
            label = str(found) if found is not None else ""
        url = reverse(f"web:pick_{self.kind}")
        if self.params:
            url += "?" + urlencode(self.params)
        context["widget"].update(label=label, url=url)
        return context

    def format_value(self, value):
        return "" if value is None else str(getattr(value, "pk", value))
