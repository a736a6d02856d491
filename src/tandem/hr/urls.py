from django.urls import path

from . import document_views, views

app_name = "hr"
urlpatterns = [
    path("", views.home, name="home"),
    path("departments/", views.department_list, name="department_list"),
    path("me/", views.my_page, name="my_page"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/<int:pk>/", views.employee_detail, name="employee_detail"),
    path(
        "employees/<int:pk>/documents/",
        document_views.document_upload,
        name="document_upload",
    ),
    path(
        "employees/<int:pk>/documents/<int:document_pk>/delete/",
        document_views.document_delete,
        name="document_delete",
    ),
    path("documents/<int:pk>/", document_views.document_download, name="document_download"),
    path("payroll/", views.run_list, name="run_list"),
    path("payroll/new/", views.run_create, name="run_create"),
    path("payroll/<int:pk>/", views.run_detail, name="run_detail"),
    path("payroll/<int:pk>/bank-file/", views.run_bank_file, name="run_bank_file"),
    path("payroll/tax-summary/", views.tax_summary, name="tax_summary"),
    path(
        "payroll/<int:pk>/<str:action>/",
        views.run_action,
        name="run_action",
    ),
    path("payslips/<int:pk>/", views.payslip, name="payslip"),
    path("payslips/<int:pk>/pdf/", views.payslip_pdf, name="payslip_pdf"),
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/new/", views.leave_create, name="leave_create"),
    path("leave/calendar/", views.leave_calendar, name="leave_calendar"),
    path("leave/<int:pk>/<str:action>/", views.leave_action, name="leave_action"),
    path("attendance/", views.attendance, name="attendance"),
    path("reviews/", views.review_cycles, name="review_cycles"),
    path("reviews/<int:pk>/", views.review_cycle, name="review_cycle"),
    path("reviews/<int:pk>/rate/", views.review_rate, name="review_rate"),
    path("reviews/<int:pk>/goals/", views.goal_add, name="goal_add"),
]
