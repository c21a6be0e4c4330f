from django.urls import path

import kpi_portal.query_params  # noqa: F401  (registers <id:…>)
from dossiers import views

app_name = "imports"

urlpatterns = [
    path("", views.import_index, name="index"),
    path("<id:batch_id>/", views.import_detail, name="detail"),
    path("<id:batch_id>/confirm/", views.import_confirm, name="confirm"),
    path("<id:batch_id>/map/", views.import_map, name="map"),
    path("<id:batch_id>/errors.csv", views.import_errors_csv, name="errors_csv"),
    path("<id:batch_id>/original", views.import_original, name="original"),
]
