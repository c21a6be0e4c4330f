from django.urls import path

import kpi_portal.query_params  # noqa: F401  (registers <id:…>)
from directives import posting_views

app_name = "postings"

urlpatterns = [
    path("", posting_views.index, name="index"),
    path("import/", posting_views.upload, name="upload"),
    path("new/", posting_views.create, name="create"),
    path("<id:posting_id>/close/", posting_views.close, name="close"),
    path("imports/<id:batch_id>/", posting_views.import_result, name="import_result"),
    path("imports/<id:batch_id>/original", posting_views.import_original, name="original"),
]
