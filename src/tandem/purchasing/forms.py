"""Purchasing forms: parse and check input; the services decide."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Tax, TaxScope
from tandem.catalog.models import Product, Uom
from tandem.inventory.models import Warehouse
from tandem.inventory.services.warehouses import warehouse_default
from tandem.parties.models import Party

from .models import OrderState

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LINE_KEY = re.compile(r"^lines-([A-Za-z0-9]{1,16})-product$")
MAX_LINES = 200


def add_domain_error(form: forms.Form, error) -> None:
    field = (error.field or "").split(".")[0]
    if field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


class CompanyForm(forms.Form):
    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company


def _suppliers(company):
    return Party.objects.filter(company=company).order_by("-is_supplier", "name")


class OrderFilterForm(CompanyForm):
    q = forms.CharField(required=False, max_length=100)
    state = forms.ChoiceField(required=False, choices=[("", "")] + list(OrderState.choices))
    supplier = forms.ModelChoiceField(queryset=Party.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Party.objects.filter(
            company=self.company, is_supplier=True
        ).order_by("name")


class OrderForm(CompanyForm):
    supplier = forms.ModelChoiceField(queryset=Party.objects.none(), label=_("Supplier"))
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("Warehouse"))
    order_date = forms.DateField(label=_("Order date"), widget=DATE)
    expected_date = forms.DateField(label=_("Expected date"), widget=DATE, required=False)
    reference = forms.CharField(label=_("Supplier reference"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("Terms and notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = _suppliers(self.company)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(
            company=self.company, active=True
        )
        if not self.is_bound and not self.initial.get("warehouse"):
            self.initial["warehouse"] = warehouse_default(self.company)


def line_choices(company) -> dict:
    return {
        "products": list(
            Product.objects.filter(company=company, active=True, can_be_purchased=True)
            .select_related("purchase_uom")
            .order_by("sku")
        ),
        "uoms": list(Uom.objects.filter(company=company, active=True).order_by("name")),
        "taxes": list(
            Tax.objects.filter(company=company, scope=TaxScope.PURCHASE, active=True).order_by(
                "sequence", "name"
            )
        ),
    }


def parse_lines(data, company) -> tuple[list[dict], list[dict], list[str]]:
    """Lines posted as `lines-<key>-<field>`: service input, rows to re-render, errors."""
    keys = []
    for name in data:
        match = LINE_KEY.match(name)
        if match and match.group(1) not in keys:
            keys.append(match.group(1))
    keys = keys[:MAX_LINES]
    wanted = [data.get(f"lines-{k}-product", "") for k in keys]
    products = {
        str(p.pk): p
        for p in Product.objects.filter(company=company, pk__in=[v for v in wanted if v.isdigit()])
    }
    uoms = {str(u.pk): u for u in Uom.objects.filter(company=company)}
    taxes = {str(t.pk): t for t in Tax.objects.filter(company=company, scope=TaxScope.PURCHASE)}
    lines, rows, errors = [], [], []
    for key in keys:
        row = {
            "key": key,
            "product": data.get(f"lines-{key}-product", ""),
            "description": data.get(f"lines-{key}-description", ""),
            "quantity": data.get(f"lines-{key}-quantity", ""),
            "uom": data.get(f"lines-{key}-uom", ""),
            "unit_price": data.get(f"lines-{key}-unit_price", ""),
            "discount": data.get(f"lines-{key}-discount", ""),
            "taxes": data.getlist(f"lines-{key}-taxes") if hasattr(data, "getlist") else [],
        }
        rows.append(row)
        if not row["product"]:
            continue  # an empty row added and left blank
        product = products.get(row["product"])
        if product is None:
            errors.append(str(_("Choose a product on every line.")))
            continue
        line = {
            "product": product,
            "description": row["description"],
            "quantity": row["quantity"] or "0",
            "uom": uoms.get(row["uom"]),
            "discount": row["discount"] or "0",
            "taxes": [taxes[t] for t in row["taxes"] if t in taxes],
        }
        if row["unit_price"] != "":
            line["unit_price"] = row["unit_price"]
        lines.append(line)
    return lines, rows, errors


def rows_of(order) -> list[dict]:
    return [
        {
            "key": str(line.pk),
            "product": str(line.product_id),
            "description": line.description,
            "quantity": f"{line.quantity.normalize():f}",
            "uom": str(line.uom_id),
            "unit_price": f"{line.unit_price.normalize():f}",
            "discount": f"{line.discount.normalize():f}",
            "taxes": [str(t.pk) for t in line.taxes.all()],
        }
        for line in order.lines.all()
    ]


class SupplierPriceForm(CompanyForm):
    supplier = forms.ModelChoiceField(queryset=Party.objects.none(), label=_("Supplier"))
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    price = forms.DecimalField(label=_("Price"), min_value=Decimal(0), decimal_places=6)
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    min_quantity = forms.DecimalField(
        label=_("Minimum quantity"), min_value=Decimal(0), decimal_places=6, initial=0
    )
    lead_time_days = forms.IntegerField(
        label=_("Lead time (days)"), min_value=0, max_value=3650, initial=0
    )
    product_code = forms.CharField(label=_("Supplier product code"), max_length=64, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE, required=False)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = _suppliers(self.company)
        self.fields["product"].queryset = Product.objects.filter(company=self.company)


class ReorderRuleForm(CompanyForm):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("Warehouse"))
    min_quantity = forms.DecimalField(label=_("Minimum"), min_value=Decimal(0), decimal_places=6)
    max_quantity = forms.DecimalField(label=_("Maximum"), min_value=Decimal(0), decimal_places=6)
    multiple = forms.DecimalField(
        label=_("Order in multiples of"), min_value=Decimal(0), decimal_places=6, initial=1
    )
    supplier = forms.ModelChoiceField(
        queryset=Party.objects.none(), label=_("Preferred supplier"), required=False
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(company=self.company).exclude(
            type="service"
        )
        self.fields["warehouse"].queryset = Warehouse.objects.filter(company=self.company)
        self.fields["supplier"].queryset = _suppliers(self.company)
