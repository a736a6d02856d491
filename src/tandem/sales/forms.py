"""Sales forms: parse only; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.errors import DomainError
from tandem.parties.models import Party

from .models import ExceptionKind, ExceptionState, InvoicePolicy, OrderState, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_domain_error(form, error: DomainError, *, formset=None) -> None:
    """Show a refusal next to the field it names (lines.N.field: row N), else on top."""
    field = error.field or next((e.get("field") for e in error.errors if e.get("field")), None)
    parts = (field or "").split(".")
    if formset is not None and parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
        rows = [f for f in formset.forms if f.has_changed() and not _deleted(f)]
        index = int(parts[1])
        if index < len(rows) and parts[2] in rows[index].fields:
            rows[index].add_error(parts[2], error.message)
            return
    if field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


def _deleted(form) -> bool:
    return bool(form.cleaned_data.get("DELETE")) if hasattr(form, "cleaned_data") else False


class OrderFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    state = forms.ChoiceField(required=False, choices=[("", "")] + list(OrderState.choices))
    party = forms.ModelChoiceField(queryset=Party.objects.none(), required=False)
    date_from = forms.DateField(required=False, widget=DATE)
    date_to = forms.DateField(required=False, widget=DATE)

    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(company=company, is_customer=True)


class OrderForm(forms.Form):
    party = forms.ModelChoiceField(queryset=Party.objects.none(), label=_("Customer"))
    order_date = forms.DateField(required=False, widget=DATE, label=_("Order date"))
    commitment_date = forms.DateField(required=False, widget=DATE, label=_("Delivery date"))
    channel = forms.CharField(required=False, max_length=30, label=_("Channel"))
    external_reference = forms.CharField(
        required=False, max_length=100, label=_("External reference")
    )
    language = forms.ChoiceField(
        required=False,
        choices=[("", _("Company default")), ("en", "English"), ("zh-hans", "简体中文")],
        label=_("Language"),
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Terms and notes")
    )

    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(company=company, active=True)


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    description = forms.CharField(required=False, max_length=500, label=_("Description"))
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, initial=1, label=_("Quantity"))
    unit_price = forms.DecimalField(
        required=False, max_digits=20, decimal_places=6, label=_("Unit price")
    )
    discount = forms.DecimalField(
        required=False, max_digits=5, decimal_places=2, initial=0, label=_("Discount (%)")
    )

    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            company=company, active=True, can_be_sold=True
        ).order_by("sku")


LineFormSet = forms.formset_factory(OrderLineForm, extra=1, can_delete=True, max_num=500)


class ExceptionFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "")] + list(ExceptionKind.choices))
    state = forms.ChoiceField(required=False, choices=[("", "")] + list(ExceptionState.choices))
    mine = forms.BooleanField(required=False, label=_("Mine"))


class ResolveForm(forms.Form):
    note = forms.CharField(
        max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Resolution note")
    )


class SlaPolicyForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices[1:], label=_("Stage"))
    start_stage = forms.ChoiceField(
        choices=Stage.choices, initial="received", label=_("Counted from")
    )
    target_hours = forms.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, label=_("Target (hours)")
    )
    business_hours = forms.BooleanField(required=False, initial=True, label=_("Business hours"))


class CalendarForm(forms.Form):
    country = forms.CharField(max_length=2, required=False, label=_("Country"))
    subdivision = forms.CharField(max_length=10, required=False, label=_("Subdivision"))
    working_days = forms.MultipleChoiceField(
        choices=[
            ("0", _("Monday")),
            ("1", _("Tuesday")),
            ("2", _("Wednesday")),
            ("3", _("Thursday")),
            ("4", _("Friday")),
            ("5", _("Saturday")),
            ("6", _("Sunday")),
        ],
        widget=forms.CheckboxSelectMultiple,
        label=_("Working days"),
    )
    work_start = forms.TimeField(
        label=_("Work starts"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    work_end = forms.TimeField(label=_("Work ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.CharField(max_length=50, required=False, label=_("Time zone"))


class InvoicePolicyForm(forms.Form):
    invoice_policy = forms.ChoiceField(
        choices=InvoicePolicy.choices, label=_("Default invoicing policy")
    )
