"""Tickets, SLA policies, the knowledge base and quality issues: the pages."""

from django.shortcuts import render

from tandem.core.views import company_view


@company_view("parties.view_party")  # until the service models land
def home(request):
    return render(request, "service/home.html", {})
