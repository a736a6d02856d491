"""Purchasing forms: parse and check input; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Tax, TaxScope
from tandem.catalog.models import Product, Uom
from tandem.core.lines import LineEditor, PickerWidget
from tandem.inventory.models import Warehouse
from tandem.inventory.services.warehouses import warehouse_default
from tandem.parties.models import Party

from .models import OrderState

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_domain_error(form: forms.Form, error, *, editor=None) -> None:
    if editor is not None and editor.refuse(error):
        return
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
    supplier = forms.ModelChoiceField(
        queryset=Party.objects.none(),
        label=_("Supplier"),
        widget=PickerWidget(kind="party", params={"role": "supplier"}),
    )
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


def line_editor(company) -> LineEditor:
    """The RFQ's lines: purchasable products, purchase taxes, the company's units."""
    return LineEditor(
        scope=TaxScope.PURCHASE,
        products=Product.objects.filter(company=company, active=True, can_be_purchased=True),
        taxes=Tax.objects.filter(company=company, scope=TaxScope.PURCHASE, active=True).order_by(
            "sequence", "name"
        ),
        uoms=Uom.objects.filter(company=company, active=True).order_by("name"),
    )


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
    follows_forecast = forms.BooleanField(
        label=_("Follow the demand forecast"),
        required=False,
        help_text=_(
            "Each new demand forecast sets the minimum to its reorder point, keeping the gap "
            "to the maximum."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(company=self.company).exclude(
            type="service"
        )
        self.fields["warehouse"].queryset = Warehouse.objects.filter(company=self.company)
        self.fields["supplier"].queryset = _suppliers(self.company)
