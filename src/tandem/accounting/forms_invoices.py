"""Forms of the tax, invoice and accounting-settings pages (they parse; services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product, Uom
from tandem.core.lines import LineEditor, PickerWidget
from tandem.core.models import Currency, ExchangeRate
from tandem.parties.models import Party, PaymentTerm

from .forms import DATE, account_label
from .models import (
    Account,
    InvoiceState,
    PaymentStateOfInvoice,
    Tax,
    TaxAmountType,
    TaxGroup,
    TaxRounding,
    TaxScope,
)


class TaxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    label = forms.CharField(label=_("Label on documents"), max_length=100, required=False)
    scope = forms.ChoiceField(label=_("Scope"), choices=TaxScope.choices)
    amount_type = forms.ChoiceField(label=_("Amount type"), choices=TaxAmountType.choices)
    rate = forms.DecimalField(label=_("Rate"), min_value=0, max_digits=12, decimal_places=4)
    price_include = forms.BooleanField(label=_("Included in price"), required=False)
    group = forms.ModelChoiceField(
        label=_("Tax group"), queryset=TaxGroup.objects.none(), required=False
    )
    account = forms.ModelChoiceField(
        label=_("Tax account"), queryset=Account.objects.none(), required=False
    )
    sequence = forms.IntegerField(label=_("Sequence"), min_value=0, initial=10)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = TaxGroup.objects.filter(company=company)
        self.fields["account"].queryset = Account.objects.filter(
            company=company, active=True
        ).order_by("code")
        self.fields["account"].label_from_instance = account_label
        self.fields["account"].help_text = _(
            "Empty: the tax payable account for sales, tax receivable for purchases."
        )


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", "")] + InvoiceState.choices, required=False
    )
    payment_state = forms.ChoiceField(
        label=_("Payment state"),
        choices=[("", "")] + PaymentStateOfInvoice.choices,
        required=False,
    )
    party = forms.ModelChoiceField(label=_("Party"), queryset=Party.objects.none(), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(company=company).order_by("name")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "state": data.get("state") or "",
            "payment_state": data.get("payment_state") or "",
            "party": data["party"].pk if data.get("party") else None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class InvoiceForm(forms.Form):
    party = forms.ModelChoiceField(
        label=_("Party"), queryset=Party.objects.none(), widget=PickerWidget(kind="party")
    )
    date = forms.DateField(label=_("Invoice date"), widget=DATE)
    due_date = forms.DateField(
        label=_("Due date"),
        widget=DATE,
        required=False,
        help_text=_("Empty: from the payment term."),
    )
    payment_term = forms.ModelChoiceField(
        label=_("Payment term"), queryset=PaymentTerm.objects.none(), required=False
    )
    currency = forms.ModelChoiceField(
        label=_("Currency"), queryset=Currency.objects.none(), required=False, to_field_name="code"
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Company default")), ("en", "English"), ("zh-hans", "简体中文")],
        required=False,
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    narration = forms.CharField(
        label=_("Terms and notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, company, outbound: bool, **kwargs):
        super().__init__(*args, **kwargs)
        parties = Party.objects.filter(company=company, active=True)
        parties = parties.filter(is_customer=True) if outbound else parties.filter(is_supplier=True)
        self.fields["party"].queryset = parties.order_by("name")
        self.fields["party"].label = _("Customer") if outbound else _("Supplier")
        self.fields["party"].widget.params = {"role": "customer" if outbound else "supplier"}
        self.fields["payment_term"].queryset = PaymentTerm.objects.filter(company=company)
        codes = {company.currency_id}
        codes.update(
            ExchangeRate.objects.filter(company=company).values_list("currency", flat=True)
        )
        self.fields["currency"].queryset = Currency.objects.filter(code__in=codes).order_by("code")
        self.fields["currency"].empty_label = _("Party's currency")


def invoice_line_editor(company, scope: str) -> LineEditor:
    """An invoice's lines: a product or a description, an account (empty: the product's
    category or the role default), the taxes of the document's scope; each line keeps
    its link to the order line it was invoiced from."""
    return LineEditor(
        scope=scope,
        products=Product.objects.filter(company=company, active=True),
        taxes=Tax.objects.filter(company=company, scope=scope, active=True).order_by(
            "sequence", "name"
        ),
        uoms=Uom.objects.filter(company=company, active=True).order_by("name"),
        accounts=Account.objects.filter(company=company, active=True).order_by("code"),
        origin=True,
        product_required=False,
    )


class AccountingSettingsForm(forms.Form):
    tax_rounding = forms.ChoiceField(
        label=_("Tax rounding"),
        choices=TaxRounding.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Per line: each line's tax is rounded, then added up. Per document: each tax is "
            "added up unrounded and rounded once."
        ),
    )
