"""Catalog forms: field widgets and company-scoped choices; the rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.errors import DomainError
from tandem.core.models import Currency, ExchangeRate
from tandem.parties.models import Party

from .models import (
    PriceList,
    PriceListItem,
    Product,
    ProductCategory,
    Uom,
    UomCategory,
    UomKind,
    Valuation,
)
from .queries import category_paths

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a refused service call on the form: next to its field when it names one."""
    fields = [e.get("field") for e in error.errors] or [error.field]
    placed = False
    for field in fields:
        if field and field in form.fields:
            form.add_error(field, error.message)
            placed = True
            break
    if not placed:
        form.add_error(None, error.message)


class ServiceValidatedForm(forms.ModelForm):
    """A ModelForm for widgets and parsing only: the service validates the merged row."""

    def _post_clean(self):
        pass


class ProductForm(ServiceValidatedForm):
    valuation = forms.ChoiceField(
        label=_("Valuation"),
        required=False,
        choices=[("", _("From the category"))] + list(Valuation.choices),
    )

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "type",
            "category",
            "uom",
            "purchase_uom",
            "list_price",
            "cost_price",
            "barcode",
            "tracking",
            "valuation",
            "weight",
            "volume",
            "active",
            "can_be_sold",
            "can_be_purchased",
            "description",
        ]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        paths = category_paths(company)
        self.fields["category"].queryset = ProductCategory.objects.filter(company=company)
        self.fields["category"].label_from_instance = lambda c: paths.get(c.pk, c.name)
        uoms = Uom.objects.filter(company=company).select_related("category")
        self.fields["uom"].queryset = uoms
        self.fields["uom"].required = False
        self.fields["uom"].help_text = _("Empty: unit.")
        self.fields["purchase_uom"].queryset = uoms
        self.fields["purchase_uom"].required = False
        self.fields["purchase_uom"].help_text = _("Empty: the same as the unit of measure.")
        self.fields["cost_price"].help_text = _(
            "At standard cost, a new cost revalues the units on hand and posts the difference."
        )
        self.fields["valuation"].help_text = _("Changes only while nothing is on hand.")
        for name in ("list_price", "cost_price", "weight", "volume"):
            self.fields[name].widget.attrs["min"] = "0"
        self.fields["description"].widget.attrs["rows"] = 3

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("valuation"):
            data["valuation"] = None
        return data


class CategoryForm(ServiceValidatedForm):
    class Meta:
        model = ProductCategory
        fields = ["name", "parent", "valuation"]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        parents = ProductCategory.objects.filter(company=company)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        paths = category_paths(company)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda c: paths.get(c.pk, c.name)


class UomForm(ServiceValidatedForm):
    class Meta:
        model = Uom
        fields = ["category", "name", "symbol", "ratio", "decimal_places", "active"]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = UomCategory.objects.filter(company=company)
        self.fields["symbol"].required = False
        self.fields["ratio"].help_text = _("How many reference units one of this unit makes.")
        self.fields["decimal_places"].widget.attrs.update({"min": "0", "max": "6"})
        if self.instance.pk:
            self.fields["category"].disabled = True
            if self.instance.is_reference:
                self.fields["ratio"].disabled = True


class UomCategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=UomKind.choices, initial=UomKind.OTHER)
    reference_name = forms.CharField(label=_("Reference unit"), max_length=50)
    reference_symbol = forms.CharField(label=_("Symbol"), max_length=20, required=False)
    reference_places = forms.IntegerField(
        label=_("Decimal places"), min_value=0, max_value=6, initial=2
    )


class PriceListForm(ServiceValidatedForm):
    currency = forms.ModelChoiceField(
        label=_("Currency"), queryset=Currency.objects.filter(active=True), to_field_name="code"
    )

    class Meta:
        model = PriceList
        fields = ["name", "currency", "active", "is_default", "valid_from", "valid_to", "parties"]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = Party.objects.filter(company=company).order_by("name")
        self.fields["parties"].required = False
        if not self.instance.pk:
            self.fields["currency"].initial = company.currency_id


class PriceListItemForm(ServiceValidatedForm):
    class Meta:
        model = PriceListItem
        fields = ["product", "min_quantity", "unit_price", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(company=company, active=True)
        self.fields["min_quantity"].widget.attrs["min"] = "0"
        self.fields["unit_price"].widget.attrs["min"] = "0"


class PriceCheckForm(forms.Form):
    party = forms.ModelChoiceField(
        label=_("Customer"), queryset=Party.objects.none(), required=False
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=0, max_digits=18, decimal_places=6, initial=1
    )
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    uom = forms.ModelChoiceField(
        label=_("Unit of measure"), queryset=Uom.objects.none(), required=False
    )
    currency = forms.ModelChoiceField(
        label=_("Currency"),
        queryset=Currency.objects.filter(active=True),
        to_field_name="code",
        required=False,
    )

    def __init__(self, *args, product, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(company_id=product.company_id)
        self.fields["uom"].queryset = Uom.objects.filter(
            company_id=product.company_id, category_id=product.uom.category_id
        )
        # only currencies a price can be given in: the company's, its rates', its lists'
        company = product.company
        codes = {company.currency_id}
        codes.update(
            ExchangeRate.objects.filter(company=company).values_list("currency", flat=True)
        )
        codes.update(PriceList.objects.filter(company=company).values_list("currency", flat=True))
        self.fields["currency"].queryset = Currency.objects.filter(code__in=codes)
