"""Forms of the manufacturing pages: parsing only, the services validate."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product, Uom
from tandem.core.models import BusinessCalendar
from tandem.inventory.models import Lot, Warehouse

from .models import Bom, BomLineKind, BomOperation, BomType, QualityTest, QualityTrigger, WorkCenter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = {"max_digits": 24, "decimal_places": 6}


class CompanyForm(forms.Form):
    """Choices are the rows of the current company."""

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = field.queryset.model.objects.filter(company=company)


class WorkCenterForm(CompanyForm):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=100)
    cost_per_hour = forms.DecimalField(label=_("Cost per hour"), initial=0, **NUMBER)
    overhead_per_hour = forms.DecimalField(label=_("Overhead per hour"), initial=0, **NUMBER)
    capacity_hours_per_day = forms.DecimalField(
        label=_("Capacity (hours per day)"), initial=8, **NUMBER
    )
    efficiency = forms.DecimalField(label=_("Efficiency %"), initial=100, **NUMBER)
    setup_minutes = forms.DecimalField(label=_("Set-up time (minutes)"), initial=0, **NUMBER)
    calendar = forms.ModelChoiceField(
        queryset=BusinessCalendar.objects.none(),
        label=_("Working calendar"),
        required=False,
        empty_label=_("Company calendar (Monday to Friday, public holidays off)"),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class BomForm(CompanyForm):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    quantity = forms.DecimalField(label=_("Quantity"), initial=1, **NUMBER)
    uom = forms.ModelChoiceField(queryset=Uom.objects.none(), label=_("Unit"), required=False)
    type = forms.ChoiceField(
        label=_("Type"),
        choices=BomType.choices,
        initial=BomType.NORMAL,
        required=False,
        help_text=_("A kit is not manufactured: selling it delivers its components."),
    )
    scrap_percent = forms.DecimalField(label=_("Scrap %"), initial=0, **NUMBER)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DATE)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class BomLineForm(CompanyForm):
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(), label=_("Component"), required=False
    )
    quantity = forms.DecimalField(label=_("Quantity"), required=False, **NUMBER)
    uom = forms.ModelChoiceField(queryset=Uom.objects.none(), label=_("Unit"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=BomLineKind.choices, required=False)


class OrderForm(CompanyForm):
    bom = forms.ModelChoiceField(queryset=Bom.objects.none(), label=_("Bill of materials"))
    quantity = forms.DecimalField(label=_("Quantity"), initial=1, **NUMBER)
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(), label=_("Warehouse"), required=False
    )
    planned_start = forms.DateField(label=_("Planned start"), required=False, widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), required=False, widget=DATE)


class ProduceForm(forms.Form):
    quantity = forms.DecimalField(label=_("Quantity to produce"), **NUMBER)
    lot_name = forms.CharField(label=_("Lot / serial"), max_length=100, required=False)
    backorder = forms.BooleanField(label=_("Put the rest on a backorder"), required=False)


class ScrapForm(CompanyForm):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    quantity = forms.DecimalField(label=_("Quantity"), **NUMBER)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    lot = forms.ModelChoiceField(queryset=Lot.objects.none(), label=_("Lot"), required=False)


class WorkLogForm(CompanyForm):
    work_center = forms.ModelChoiceField(queryset=WorkCenter.objects.none(), label=_("Work centre"))
    minutes = forms.DecimalField(label=_("Minutes"), min_value=Decimal("0.01"), **NUMBER)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ForecastForm(CompanyForm):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    date_from = forms.DateField(label=_("From"), widget=DATE)
    date_to = forms.DateField(label=_("To"), widget=DATE)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, **NUMBER)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class QualityPointForm(CompanyForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    trigger = forms.ChoiceField(label=_("When"), choices=QualityTrigger.choices)
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(), label=_("Product"), required=False
    )
    operation = forms.ModelChoiceField(
        queryset=BomOperation.objects.none(), label=_("Operation"), required=False
    )
    test = forms.ChoiceField(label=_("Test"), choices=QualityTest.choices)
    tolerance_min = forms.DecimalField(label=_("Minimum"), required=False, **NUMBER)
    tolerance_max = forms.DecimalField(label=_("Maximum"), required=False, **NUMBER)
    unit = forms.CharField(label=_("Unit of measure"), max_length=20, required=False)
    instructions = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    mandatory = forms.BooleanField(label=_("Mandatory"), required=False, initial=True)
    every = forms.IntegerField(label=_("Check one in"), initial=1, min_value=1, max_value=10_000)


class QualityRecordForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", "—"), ("pass", _("Pass")), ("fail", _("Fail"))],
    )
    measure = forms.DecimalField(label=_("Measured"), required=False, **NUMBER)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class QualityAlertForm(CompanyForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(), label=_("Product"), required=False
    )
    lot = forms.ModelChoiceField(queryset=Lot.objects.none(), label=_("Lot"), required=False)
