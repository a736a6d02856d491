"""Models over the company's data, each scored beside a naive baseline: the pages."""

from django.shortcuts import render

from tandem.core.views import company_view


@company_view("parties.view_party")  # until the analytics models land
def home(request):
    return render(request, "analytics/home.html", {})
