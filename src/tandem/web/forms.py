from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Company, Role


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "time_zone", "fiscal_year_start_month"]


class CompanyCreateForm(forms.Form):
    code = forms.RegexField(label=_("Code"), max_length=20, regex=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    name = forms.CharField(label=_("Name"), max_length=200)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    country = forms.CharField(label=_("Country"), max_length=2, initial="CN")
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Asia/Shanghai")
    fiscal_year_start_month = forms.IntegerField(
        label=_("Fiscal year starts in month"), min_value=1, max_value=12, initial=1
    )


def _role_choices():
    return [(role.code, role.name) for role in Role.objects.order_by("id")]


class MemberForm(forms.Form):
    username = forms.RegexField(label=_("Username"), max_length=150, regex=r"^[\w.@+-]+$")
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        min_length=8,
        required=False,
        help_text=_("Leave empty to create an API-only account."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), widget=forms.CheckboxSelectMultiple, choices=_role_choices
    )


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), widget=forms.CheckboxSelectMultiple, choices=_role_choices
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(label=_("Currency"), max_length=3)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=20,
        decimal_places=8,
        min_value=0,
        help_text=_("Units of the company currency for one unit."),
    )


class CompanyProfileForm(forms.Form):
    """What documents print about the company; checked by core.profile.company_profile_update,
    whose refusals are shown on the field they name."""

    legal_name_en = forms.CharField(label=_("Legal name (English)"), required=False)
    legal_name_zh = forms.CharField(label=_("Legal name (Chinese)"), required=False)
    street = forms.CharField(label=_("Street"), required=False)
    street2 = forms.CharField(label=_("Street (line 2)"), required=False)
    city = forms.CharField(label=_("City"), required=False)
    state = forms.CharField(label=_("Province / region"), required=False)
    postal_code = forms.CharField(label=_("Postal code"), required=False)
    tax_id = forms.CharField(
        label=_("Tax id"),
        required=False,
        help_text=_("In China the 18-character unified social credit code."),
    )
    phone = forms.CharField(label=_("Phone"), required=False)
    email = forms.CharField(label=_("Email"), required=False)
    website = forms.CharField(label=_("Website"), required=False)
    document_language = forms.ChoiceField(
        label=_("Document language"),
        required=False,
        choices=[("", _("By country")), ("en", "English"), ("zh-hans", "简体中文")],
        help_text=_("For parties without a language of their own."),
    )
    logo = forms.FileField(
        label=_("Logo"), required=False, help_text=_("PNG or JPEG, at most 1 MB.")
    )
    logo_clear = forms.BooleanField(label=_("Remove the logo"), required=False)


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(label=_("Bank"), required=False)
    holder = forms.CharField(label=_("Account holder"), required=False)
    number = forms.CharField(label=_("Account number / IBAN"), required=False)
    bic = forms.CharField(label=_("BIC / SWIFT"), required=False)
    is_default = forms.BooleanField(label=_("Default"), required=False)

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(f) for f in ("bank_name", "holder", "number", "bic"))


BankAccountFormSet = forms.formset_factory(BankAccountForm, extra=1, max_num=10)
