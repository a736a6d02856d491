"""Web forms of the CRM. They parse input; the services validate and write.

`ServiceForm.run()` (from the party master) calls a service and turns its refusal into form
errors, so a page shows the same messages the API returns.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.models import Currency, User
from tandem.parties.forms import ServiceForm
from tandem.parties.models import Contact, Party, Tag

from .models import (
    ActivityKind,
    CadenceTarget,
    Direction,
    InteractionKind,
    IntervalUnit,
    LostReason,
    PipelineStage,
    SalesTeam,
    Source,
    TargetMeasure,
    TargetPeriod,
)
from .templatetags.crm_tags import crm_label

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def members_of(company):
    return (
        User.objects.filter(
            memberships__company=company, memberships__is_active=True, is_active=True
        )
        .order_by("username")
        .distinct()
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        label = crm_label(obj.name)
        return f"{obj.team.name} · {label}" if obj.team_id else label


class LabelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return crm_label(obj.name)


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local input read in the company's time zone (the views activate it)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        super().__init__(*args, **kwargs)


class CompanyForm(ServiceForm):
    """A service form whose choices are the rows of the current company."""

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                if model is User:
                    field.queryset = members_of(company)
                elif model is PipelineStage:
                    field.queryset = PipelineStage.objects.filter(company=company).select_related(
                        "team"
                    )
                else:
                    field.queryset = model.objects.filter(company=company)


# -- leads -----------------------------------------------------------------------------------


class LeadForm(CompanyForm):
    name = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Defaults to the name.")
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=200, required=False)
    company_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), required=False, widget=forms.EmailInput)
    phone = forms.CharField(label=_("Phone"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.MANUAL)
    campaign = forms.CharField(label=_("Campaign"), max_length=100, required=False)
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(
        label=_("Sales team"), queryset=SalesTeam.objects.none(), required=False
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    FIELDS = (
        "name",
        "contact_name",
        "company_name",
        "email",
        "phone",
        "source",
        "campaign",
        "owner",
        "team",
        "notes",
    )


class QualifyForm(CompanyForm):
    name = forms.CharField(label=_("Opportunity name"), max_length=200, required=False)
    stage = StageChoiceField(
        label=_("Stage"), queryset=PipelineStage.objects.none(), required=False
    )
    expected_revenue = forms.DecimalField(
        label=_("Expected revenue"), min_value=0, max_digits=18, decimal_places=2, initial=0
    )
    close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = self.fields["stage"].queryset.filter(
            is_won=False, is_lost=False
        )


class DisqualifyForm(ServiceForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


# -- opportunities ---------------------------------------------------------------------------


class OpportunityForm(CompanyForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    party = forms.ModelChoiceField(label=_("Customer"), queryset=Party.objects.none())
    contact = forms.ModelChoiceField(
        label=_("Contact person"), queryset=Contact.objects.none(), required=False
    )
    stage = StageChoiceField(
        label=_("Stage"), queryset=PipelineStage.objects.none(), required=False
    )
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(
        label=_("Sales team"), queryset=SalesTeam.objects.none(), required=False
    )
    expected_revenue = forms.DecimalField(
        label=_("Expected revenue"), min_value=0, max_digits=18, decimal_places=2, initial=0
    )
    currency = forms.ChoiceField(label=_("Currency"))
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to follow the stage."),
    )
    close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products of interest"), queryset=Product.objects.none(), required=False
    )
    source = forms.ChoiceField(label=_("Source"), required=False)

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        company = self.company
        self.fields["party"].queryset = Party.objects.filter(
            company=company, is_customer=True, active=True
        ).order_by("name")
        if opportunity is not None:
            self.fields["party"].queryset = Party.objects.filter(company=company).order_by("name")
            del self.fields["stage"]
        else:
            self.fields["stage"].queryset = self.fields["stage"].queryset.filter(
                is_won=False, is_lost=False
            )
        party_id = self.data.get("party") or self.initial.get("party")
        contacts = Contact.objects.filter(company=company, party_id=None)
        try:
            if party_id:
                contacts = Contact.objects.filter(company=company, party_id=int(party_id))
        except (TypeError, ValueError):
            pass
        self.fields["contact"].queryset = contacts
        self.fields["products"].queryset = Product.objects.filter(
            company=company, active=True
        ).order_by("sku")
        self.fields["currency"].choices = [
            (code, code)
            for code in Currency.objects.filter(active=True).values_list("code", flat=True)
        ]
        self.fields["source"].choices = [("", "—"), *Source.choices]
        if not self.is_bound:
            self.initial.setdefault("currency", company.currency_id)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["products"] = list(data.get("products") or [])
        return data


class MoveForm(ServiceForm):
    stage = forms.IntegerField(label=_("Stage"), min_value=1)
    lost_reason = forms.IntegerField(required=False, min_value=1)
    lost_note = forms.CharField(required=False, max_length=500)


class LoseForm(CompanyForm):
    reason = LabelChoiceField(label=_("Lost reason"), queryset=LostReason.objects.none())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = self.fields["reason"].queryset.filter(active=True)


# -- activities and interactions -------------------------------------------------------------


class ActivityForm(CompanyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    summary = forms.CharField(label=_("Summary"), max_length=200)
    due_at = LocalDateTimeField(label=_("Due"))
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DoneForm(ServiceForm):
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=10_000)


class InteractionForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=InteractionKind.choices)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUT
    )
    occurred_at = LocalDateTimeField(
        label=_("When"), required=False, help_text=_("Leave empty for now.")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=10_080, required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    outcome = forms.CharField(label=_("Outcome"), max_length=500, required=False)
    body = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# -- settings --------------------------------------------------------------------------------


class StageForm(CompanyForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    team = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=SalesTeam.objects.none(),
        required=False,
        empty_label=_("Default pipeline"),
    )
    sequence = forms.IntegerField(
        label=_("Sequence"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("Columns are ordered by sequence; empty puts the stage last."),
    )
    probability = forms.IntegerField(label=_("Probability (%)"), min_value=0, max_value=100)
    is_won = forms.BooleanField(label=_("Won stage"), required=False)
    is_lost = forms.BooleanField(label=_("Lost stage"), required=False)
    fold = forms.BooleanField(label=_("Folded on the board"), required=False)


class LostReasonForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=100)


class TeamForm(CompanyForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    leader = UserChoiceField(label=_("Leader"), queryset=User.objects.none(), required=False)
    members = UsersChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members_of(self.company)


# -- the public web-to-lead form -------------------------------------------------------------

HONEYPOT = "homepage"


class WebLeadForm(forms.Form):
    contact_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    message = forms.CharField(
        label=_("Message"), max_length=5000, required=False, widget=forms.Textarea
    )
    campaign = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from people by CSS, filled in by bots.
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("contact_name") or data.get("company_name")):
            self.add_error("contact_name", _("Tell us your name or your company's."))
        if not (data.get("email") or data.get("phone")):
            self.add_error("email", _("Give an email address or a phone number."))
        return data

    def add_domain_error(self, exc) -> None:
        if not exc.errors:
            self.add_error(None, exc.message)
        for error in exc.errors:
            field = error.get("field")
            self.add_error(field if field in self.fields else None, error["message"])


# -- email, cadences, targets, import --------------------------------------------------------


class EmailForm(ServiceForm):
    to = forms.CharField(label=_("To"), max_length=1000)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class CadenceForm(CompanyForm):
    FIELDS = (
        "name",
        "applies_to",
        "stage",
        "tag",
        "kind",
        "interval",
        "interval_unit",
        "summary_template",
        "repeat",
        "owner",
        "active",
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=CadenceTarget.choices)
    stage = StageChoiceField(
        label=_("Stage"),
        queryset=PipelineStage.objects.none(),
        required=False,
        help_text=_("Opportunities only: leave empty for every open stage."),
    )
    tag = forms.ModelChoiceField(
        label=_("Segment (tag)"),
        queryset=Tag.objects.none(),
        required=False,
        help_text=_("Opportunities and customers only: leave empty for all customers."),
    )
    kind = forms.ChoiceField(label=_("Activity kind"), choices=ActivityKind.choices)
    interval = forms.IntegerField(label=_("Interval"), min_value=1, max_value=366, initial=3)
    interval_unit = forms.ChoiceField(label=_("Interval unit"), choices=IntervalUnit.choices)
    summary_template = forms.CharField(
        label=_("Summary"),
        max_length=200,
        initial="Follow up: {record}",
        help_text=_("{record}, {stage} and {owner} are replaced."),
    )
    repeat = forms.BooleanField(label=_("Repeat"), required=False, initial=True)
    owner = UserChoiceField(
        label=_("Owner when the record has none"), queryset=User.objects.none(), required=False
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, company=company, **kwargs)
        self.fields["stage"].queryset = (
            PipelineStage.objects.filter(company=company, is_won=False, is_lost=False)
            .select_related("team")
            .order_by("team__name", "sequence")
        )
        self.fields["tag"].queryset = Tag.objects.filter(company=company).order_by("name")


class TargetForm(CompanyForm):
    user = UserChoiceField(label=_("Sales rep"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(
        label=_("Sales team"), queryset=SalesTeam.objects.none(), required=False
    )
    period = forms.ChoiceField(label=_("Period"), choices=TargetPeriod.choices)
    period_start = forms.DateField(
        label=_("Period start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    measure = forms.ChoiceField(label=_("Measure"), choices=TargetMeasure.choices)
    amount = forms.DecimalField(label=_("Target amount"), min_value=0, max_digits=18)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, company=company, **kwargs)
        self.fields["team"].queryset = SalesTeam.objects.filter(company=company)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))


class CrmSettingsForm(forms.Form):
    team_visibility = forms.BooleanField(
        label=_("Reps see only their own team's leads and opportunities"),
        required=False,
        help_text=_("Sales team leaders see their teams; owners and admins see everything."),
    )
