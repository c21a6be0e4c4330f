from django.urls import path

from dossiers import apology_views

app_name = "apologies"

urlpatterns = [
    path("", apology_views.apology_list, name="list"),
    path("new/", apology_views.apology_new, name="new"),
    path("slips.zip", apology_views.apology_slips_zip, name="slips_zip"),
    path("<str:code>/slip.pdf", apology_views.apology_slip_pdf, name="slip"),
]
