from django.shortcuts import render

from tandem.core.views import company_view


@company_view("hr.view_employee")
def home(request):
    return render(request, "hr/home.html", {})
