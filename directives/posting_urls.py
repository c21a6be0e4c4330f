from django.urls import path

from directives import posting_views

app_name = "postings"

urlpatterns = [
    path("", posting_views.index, name="index"),
    path("import/", posting_views.upload, name="upload"),
    path("new/", posting_views.create, name="create"),
    path("<int:posting_id>/close/", posting_views.close, name="close"),
    path("imports/<int:batch_id>/", posting_views.import_result, name="import_result"),
    path("imports/<int:batch_id>/original", posting_views.import_original, name="original"),
]
