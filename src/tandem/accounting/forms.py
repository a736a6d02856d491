"""Accounting forms: widgets and company-scoped choices; the rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.errors import DomainError
from tandem.core.models import Currency, ExchangeRate
from tandem.parties.models import Party

from .charts import TEMPLATES
from .models import Account, AccountRole, AccountType, Journal, JournalKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def account_label(account: Account) -> str:
    return f"{account.code} {account.display_name()}"


def add_domain_error(form: forms.Form, error: DomainError, *, formset=None) -> None:
    """Show a refused service call next to the field it names (lines.N.field: in the
    formset's row N), else at the top of the form."""
    fields = [e.get("field") for e in error.errors] or [error.field]
    for field in fields:
        if not field:
            continue
        parts = field.split(".")
        if formset is not None and parts[0] == "lines":
            if len(parts) == 3 and parts[1].isdigit():
                index = int(parts[1])
                row = formset.row_forms[index] if index < len(formset.row_forms) else None
                if row is not None and parts[2] in row.fields:
                    row.add_error(parts[2], error.message)
                    return
            formset.line_errors.append(error.message)
            return
        if field in form.fields:
            form.add_error(field, error.message)
            return
    form.add_error(None, error.message)


class ChartInstallForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Chart of accounts template"),
        choices=[
            ("prc", _("PRC Accounting Standards (企业会计准则)")),
            ("generic", _("Generic (IFRS style)")),
        ],
        initial="prc",
    )

    def clean_template(self):
        value = self.cleaned_data["template"]
        if value not in TEMPLATES:
            raise forms.ValidationError(_("Choose a template."))
        return value


class AccountForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=AccountType.choices)
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("None"))] + list(AccountRole.choices), required=False
    )
    parent = forms.ModelChoiceField(
        label=_("Parent account"), queryset=Account.objects.none(), required=False
    )
    reconcile = forms.BooleanField(label=_("Reconcile"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, company, account=None, **kwargs):
        if account is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": account.code,
                "name": account.name,
                "name_en": account.name_en,
                "type": account.type,
                "role": account.role or "",
                "parent": account.parent_id,
                "reconcile": account.reconcile,
                "active": account.active,
            }
        super().__init__(*args, **kwargs)
        parents = Account.objects.filter(company=company).order_by("code")
        if account is not None:
            parents = parents.exclude(pk=account.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = account_label
        self.fields["reconcile"].help_text = Account._meta.get_field("reconcile").help_text

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["role"] = data["role"] or None
        return data


class JournalForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=10)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=JournalKind.choices)
    default_account = forms.ModelChoiceField(
        label=_("Default account"), queryset=Account.objects.none(), required=False
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, company, journal: Journal | None = None, **kwargs):
        if journal is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": journal.code,
                "name": journal.name,
                "kind": journal.kind,
                "default_account": journal.default_account_id,
                "active": journal.active,
            }
        super().__init__(*args, **kwargs)
        self.fields["default_account"].queryset = Account.objects.filter(
            company=company, active=True
        ).order_by("code")
        self.fields["default_account"].label_from_instance = account_label


class FiscalYearForm(forms.Form):
    date_start = forms.DateField(
        label=_("Start date"),
        required=False,
        widget=DATE,
        help_text=_("Empty: the day after the latest fiscal year."),
    )
    name = forms.CharField(label=_("Name"), max_length=30, required=False)


class EntryForm(forms.Form):
    journal = forms.ModelChoiceField(label=_("Journal"), queryset=Journal.objects.none())
    date = forms.DateField(label=_("Date"), widget=DATE)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    narration = forms.CharField(
        label=_("Narration"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["journal"].queryset = Journal.objects.filter(
            company=company, active=True
        ).order_by("code")


class EntryLineForm(forms.Form):
    account = forms.ModelChoiceField(label=_("Account"), queryset=Account.objects.none())
    party = forms.ModelChoiceField(label=_("Party"), queryset=Party.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    debit = forms.DecimalField(
        label=_("Debit"), min_value=0, max_digits=18, decimal_places=2, required=False
    )
    credit = forms.DecimalField(
        label=_("Credit"), min_value=0, max_digits=18, decimal_places=2, required=False
    )
    currency = forms.ModelChoiceField(
        label=_("Currency"), queryset=Currency.objects.none(), required=False, to_field_name="code"
    )
    amount_currency = forms.DecimalField(
        label=_("Amount in currency"), max_digits=18, decimal_places=2, required=False
    )

    def __init__(self, *args, company, accounts, parties, currencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["account"].label_from_instance = account_label
        self.fields["party"].queryset = parties
        self.fields["currency"].queryset = currencies
        self.fields["currency"].empty_label = company.currency_id
        # a line is one table row: keep the inputs narrow
        number = "width: 8rem; text-align: right"
        for name in ("debit", "credit"):
            self.fields[name].widget.attrs.update({"min": "0", "step": "0.01", "style": number})
        self.fields["amount_currency"].widget.attrs.update({"step": "0.01", "style": number})
        self.fields["account"].widget.attrs["style"] = "max-width: 16rem"
        self.fields["party"].widget.attrs["style"] = "max-width: 10rem"
        self.fields["description"].widget.attrs["style"] = "width: 10rem"

    def is_blank(self) -> bool:
        if not self.is_bound:
            return True
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(
            data.get(name) not in (None, "")
            for name in ("account", "party", "description", "debit", "credit", "amount_currency")
        )

    def line(self) -> dict:
        data = self.cleaned_data
        return {
            "account": data["account"],
            "party": data.get("party"),
            "description": data.get("description") or "",
            "debit": data.get("debit") or 0,
            "credit": data.get("credit") or 0,
            "currency": data["currency"].code if data.get("currency") else None,
            "amount_currency": data.get("amount_currency"),
        }


class BaseLineFormSet(forms.BaseFormSet):
    """Entry lines; rows left empty are skipped. `line_errors` collects entry-wide ones."""

    def __init__(self, *args, company, **kwargs):
        self.company = company
        self.line_errors: list[str] = []
        self._accounts = Account.objects.filter(company=company, active=True).order_by("code")
        self._parties = Party.objects.filter(company=company, active=True).order_by("name")
        codes = {company.currency_id}
        codes.update(
            ExchangeRate.objects.filter(company=company).values_list("currency", flat=True)
        )
        self._currencies = Currency.objects.filter(code__in=codes).order_by("code")
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs.update(
            company=self.company,
            accounts=self._accounts,
            parties=self._parties,
            currencies=self._currencies,
        )
        return kwargs

    @property
    def row_forms(self) -> list:
        """The forms that were filled in, in the order lines are sent to the service."""
        return [f for f in self.forms if not self._skipped(f)]

    def _skipped(self, form) -> bool:
        if self.can_delete and self._should_delete_form(form):
            return True
        return not form.has_changed()

    def lines(self) -> list[dict]:
        return [f.line() for f in self.row_forms]


LineFormSet = forms.formset_factory(
    EntryLineForm, formset=BaseLineFormSet, extra=0, can_delete=True, max_num=500
)
