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
