"""Forms of the payment pages: the list filter and the register-payment form."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Currency
from tandem.parties.models import Party

from .forms import DATE
from .models import Journal, JournalKind, PaymentDirection, PaymentState

MONEY_INPUT = forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"})


class PaymentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    party = forms.ModelChoiceField(label=_("Party"), queryset=Party.objects.none(), required=False)
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("", _("All"))] + list(PaymentDirection.choices),
        required=False,
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All"))] + list(PaymentState.choices), required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(company=company).order_by("name")

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q") or "",
            "party": data["party"].pk if data.get("party") else None,
            "direction": data.get("direction") or "",
            "state": data.get("state") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class PaymentForm(forms.Form):
    """The payment itself; the allocation amounts come as `alloc-<invoice id>` fields."""

    party = forms.ModelChoiceField(label=_("Party"), queryset=Party.objects.none())
    direction = forms.ChoiceField(
        label=_("Direction"), choices=PaymentDirection.choices, initial=PaymentDirection.IN
    )
    journal = forms.ModelChoiceField(label=_("Journal"), queryset=Journal.objects.none())
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01"),
        widget=MONEY_INPUT,
    )  # fmt: skip
    date = forms.DateField(label=_("Date"), widget=DATE)
    currency = forms.ChoiceField(label=_("Currency"), choices=())
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)
    memo = forms.CharField(
        label=_("Memo"), required=False, max_length=10_000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(company=company).order_by("name")
        self.fields["journal"].queryset = Journal.objects.filter(
            company=company,
            kind__in=(JournalKind.BANK, JournalKind.CASH),
            active=True,
        ).order_by("kind", "code")
        self.fields["currency"].choices = [
            (code, code)
            for code in Currency.objects.filter(active=True)
            .order_by("code")
            .values_list("code", flat=True)
        ]
        self.fields["party"].widget.attrs.update({"data-reload": "invoices"})


def allocation_amounts(data, invoices) -> tuple[list, dict]:
    """[(invoice, amount)] from the `alloc-<id>` fields of `data` (blank or 0: skipped),
    and {invoice id: message} for values that are not amounts."""
    rows, errors = [], {}
    for invoice in invoices:
        raw = (data.get(f"alloc-{invoice.pk}") or "").strip()
        if not raw:
            continue
        try:
            value = Decimal(raw)
        except ArithmeticError:
            errors[invoice.pk] = _("Enter an amount.")
            continue
        if not value.is_finite() or value < 0:
            errors[invoice.pk] = _("Enter an amount.")
        elif value:
            rows.append((invoice, value))
    return rows, errors
