from django.urls import path

from directives import views

app_name = "directives"

urlpatterns = [
    path("", views.index, name="index"),
    path("pilot/", views.pilot, name="pilot"),
    path("pilot/export.xlsx", views.pilot_export, name="pilot_export"),
    path("pilot/compiled/submit/", views.pilot_compiled_submit, name="pilot_compiled_submit"),
    path("pilot/results/", views.pilot_results_page, name="pilot_results"),
    path("pilot/<str:code>/", views.pilot_agency, name="pilot_agency"),
    path("pilot/<str:code>/reopen/", views.pilot_agency_reopen, name="pilot_agency_reopen"),
]
