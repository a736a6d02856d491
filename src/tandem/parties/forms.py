"""Web forms of the party master. They parse input; the services validate and write.

A form's `run()` calls a service and maps its DomainError onto field errors, so the web
shows the same messages the API returns.
"""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tandem.core.errors import DomainError, Duplicate
from tandem.core.models import Currency

from .models import Address, Party, PaymentTerm
from .validation import COUNTRIES


@lru_cache(maxsize=8)
def _country_names(language: str) -> dict[str, str]:
    try:
        locale = Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    names = locale.territories
    return {code: names.get(code, code) for code in COUNTRIES}


def country_name(code: str) -> str:
    """The country's name in the active language."""
    if not code:
        return ""
    return _country_names(translation.get_language() or "en").get(code, code)


def country_choices(blank_label="—") -> list[tuple[str, str]]:
    names = _country_names(translation.get_language() or "en")
    return [("", blank_label)] + sorted(
        ((code, f"{name} ({code})") for code, name in names.items()), key=lambda c: c[1]
    )


class ServiceForm(forms.Form):
    """A form whose `run()` calls a service and turns its refusal into form errors."""

    # Forms that offer "save anyway" show a Duplicate as a warning instead of a field error.
    warns_on_duplicate = False
    duplicate_id: int | None = None
    duplicate_message = ""

    def add_domain_error(self, exc: DomainError) -> None:
        if not exc.errors:
            self.add_error(None, exc.message)
        for error in exc.errors:
            field = error.get("field")
            self.add_error(field if field in self.fields else None, error["message"])

    def run(self, service, **kwargs):
        """The service's result, or None after recording its error on the form."""
        try:
            return service(**kwargs)
        except Duplicate as exc:
            if not self.warns_on_duplicate:
                self.add_domain_error(exc)
                return None
            self.duplicate_id = exc.extra.get("existing_id")
            self.duplicate_message = exc.message
            return None
        except DomainError as exc:
            self.add_domain_error(exc)
            return None


class PartyForm(ServiceForm):
    warns_on_duplicate = True

    kind = forms.ChoiceField(label=_("Kind"), choices=Party.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    is_customer = forms.BooleanField(label=_("Customer"), required=False)
    is_supplier = forms.BooleanField(label=_("Supplier"), required=False)
    email = forms.CharField(label=_("Email"), required=False, widget=forms.EmailInput)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        help_text=_("Numbers without a + prefix are read in the party's country."),
    )
    website = forms.CharField(label=_("Website"), required=False)
    tax_id = forms.CharField(
        label=_("Tax ID"),
        required=False,
        help_text=_("Checked against the country's format (China: unified social credit code)."),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    language = forms.ChoiceField(
        label=_("Preferred language"),
        required=False,
        choices=[("", _("Company default")), ("en", "English"), ("zh-hans", "简体中文")],
        help_text=_("Quotations, invoices and other documents for this party use it."),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    credit_limit = forms.DecimalField(label=_("Credit limit"), required=False)
    payment_term = forms.ModelChoiceField(
        label=_("Payment term"), queryset=PaymentTerm.objects.none(), required=False
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Comma-separated; new tags are created.")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    allow_duplicate = forms.BooleanField(
        label=_("Save anyway, I know a similar party exists"), required=False
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["country"].choices = country_choices()
        self.fields["currency"].choices = [
            (code, f"{code} · {name}")
            for code, name in Currency.objects.filter(active=True).values_list("code", "name")
        ]
        self.fields["payment_term"].queryset = PaymentTerm.objects.filter(company=company)
        if not self.is_bound and "currency" not in self.initial:
            self.initial.setdefault("currency", company.currency_id)
            self.initial.setdefault("country", company.country)

    @classmethod
    def initial_from(cls, party: Party) -> dict:
        return {
            "kind": party.kind,
            "name": party.name,
            "is_customer": party.is_customer,
            "is_supplier": party.is_supplier,
            "email": party.email,
            "phone": party.phone,
            "website": party.website,
            "tax_id": party.tax_id,
            "country": party.country,
            "language": party.language,
            "currency": party.currency_id,
            "credit_limit": party.credit_limit,
            "payment_term": party.payment_term_id,
            "tags": ", ".join(tag.name for tag in party.tags.all()),
            "notes": party.notes,
            "active": party.active,
        }

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("allow_duplicate", None)
        if data.get("credit_limit") is None:
            data["credit_limit"] = 0
        return data


class ContactForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    job_title = forms.CharField(label=_("Job title"), required=False)
    email = forms.CharField(label=_("Email"), required=False, widget=forms.EmailInput)
    phone = forms.CharField(label=_("Phone"), required=False)
    mobile = forms.CharField(label=_("Mobile"), required=False)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    FIELDS = ("name", "job_title", "email", "phone", "mobile", "is_primary", "notes")


class AddressForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Address.Kind.choices)
    street = forms.CharField(label=_("Street"), required=False)
    street2 = forms.CharField(label=_("Street 2"), required=False)
    postal_code = forms.CharField(label=_("Postal code"), required=False)
    city = forms.CharField(label=_("City"), required=False)
    state = forms.CharField(label=_("State / province"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    is_default = forms.BooleanField(label=_("Default address of this kind"), required=False)

    FIELDS = ("kind", "street", "street2", "city", "state", "postal_code", "country", "is_default")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()


class TagForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    color = forms.CharField(
        label=_("Colour"),
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
        initial="#1769aa",
    )


class PaymentTermForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    due_days = forms.IntegerField(label=_("Due after (days)"), min_value=0, initial=0)
