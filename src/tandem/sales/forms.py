"""Sales forms: parse only; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Tax, TaxScope
from tandem.catalog.models import PriceList, Product, Uom
from tandem.core.errors import DomainError
from tandem.core.lines import LineEditor, PickerWidget
from tandem.parties.models import Party

from .models import ExceptionKind, ExceptionState, InvoicePolicy, OrderState, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_domain_error(form, error: DomainError, *, editor=None) -> None:
    """Show a refusal beside the cell (lines.N.field) or the field it names, else on top."""
    if editor is not None and editor.refuse(error):
        return
    field = error.field or next((e.get("field") for e in error.errors if e.get("field")), None)
    if field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


def line_editor(company) -> LineEditor:
    """The quotation's lines: sellable products, sales taxes, the company's units."""
    return LineEditor(
        scope=TaxScope.SALE,
        products=Product.objects.filter(company=company, active=True, can_be_sold=True),
        taxes=Tax.objects.filter(company=company, scope=TaxScope.SALE, active=True).order_by(
            "sequence", "name"
        ),
        uoms=Uom.objects.filter(company=company, active=True).order_by("name"),
    )


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
    party = forms.ModelChoiceField(
        queryset=Party.objects.none(),
        label=_("Customer"),
        widget=PickerWidget(kind="party", params={"role": "customer"}),
    )
    price_list = forms.ModelChoiceField(
        queryset=PriceList.objects.none(),
        required=False,
        label=_("Price list"),
        empty_label=_("The customer's or the default"),
    )
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
    prepaid = forms.TypedChoiceField(
        required=False,
        choices=[
            ("", _("As the payment term says")),
            ("true", _("Yes: ship only once paid")),
            ("false", _("No: ship on credit")),
        ],
        coerce=lambda value: value == "true",
        empty_value=None,
        label=_("Payment before delivery"),
    )

    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(company=company, active=True)
        self.fields["price_list"].queryset = PriceList.objects.filter(
            company=company, active=True
        ).order_by("name")


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
