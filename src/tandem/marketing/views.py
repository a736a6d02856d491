"""Segments, consents, email templates and campaigns: the pages."""

from django.shortcuts import render

from tandem.core.views import company_view


@company_view("parties.view_party")  # until the marketing models land
def home(request):
    return render(request, "marketing/home.html", {})
