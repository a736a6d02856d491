from django.shortcuts import render

from tandem.core.views import company_view


@company_view("manufacturing.view_workcenter")
def home(request):
    return render(request, "manufacturing/home.html", {})
