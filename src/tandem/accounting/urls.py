from django.urls import path

from .views import category_accounts, invoices, payments, reports, revaluation
from .views import ledger as views

app_name = "accounting"
urlpatterns = [
    path("", views.home, name="home"),
    path("install-chart/", views.chart_install, name="chart_install"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("journals/", views.journal_list, name="journal_list"),
    path("journals/<int:pk>/edit/", views.journal_edit, name="journal_edit"),
    path("entries/", views.entry_list, name="entry_list"),
    path("entries/new/", views.entry_create, name="entry_create"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/post/", views.entry_post, name="entry_post"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/<int:pk>/close/", views.period_close, name="period_close"),
    path("periods/<int:pk>/reopen/", views.period_reopen, name="period_reopen"),
    path("fiscal-years/<int:pk>/close/", views.fiscal_year_close, name="fiscal_year_close"),
    path("reports/trial-balance/", views.trial_balance, name="trial_balance"),
    path("reports/general-ledger/", views.general_ledger, name="general_ledger"),
]
urlpatterns += (
    invoices.urlpatterns + payments.urlpatterns + reports.urlpatterns + revaluation.urlpatterns
)
urlpatterns += category_accounts.urlpatterns
