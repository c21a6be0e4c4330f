from django.urls import path

from dossiers import apology_views

app_name = "apologies"

urlpatterns = [
    path("", apology_views.apology_list, name="list"),
    path("new/", apology_views.apology_new, name="new"),
    path("slips.zip", apology_views.apology_slips_zip, name="slips_zip"),
    # Many slips: built in the background (dossiers/slip_bundles.py).
    path("slips/", apology_views.apology_slips_start, name="slips_start"),
    path("slips/<uuid:bundle_id>/", apology_views.apology_slips_bundle, name="slips_bundle"),
    path(
        "slips/<uuid:bundle_id>/phieu-xin-loi.zip",
        apology_views.apology_slips_bundle_file,
        name="slips_bundle_file",
    ),
    path("<str:code>/slip.pdf", apology_views.apology_slip_file, name="slip"),
    path(
        "<str:code>/slip.docx",
        apology_views.apology_slip_file,
        {"fmt": "docx"},
        name="slip_docx",
    ),
]
