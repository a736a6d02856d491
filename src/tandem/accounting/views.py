from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _


@login_required
def home(request):
    return render(request, "web/area.html", {"area_label": _("This area")})
