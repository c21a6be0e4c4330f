from django.urls import path

from dossiers import views

app_name = "imports"

urlpatterns = [
    path("", views.import_index, name="index"),
    path("<int:batch_id>/", views.import_detail, name="detail"),
    path("<int:batch_id>/confirm/", views.import_confirm, name="confirm"),
    path("<int:batch_id>/map/", views.import_map, name="map"),
    path("<int:batch_id>/errors.csv", views.import_errors_csv, name="errors_csv"),
    path("<int:batch_id>/original", views.import_original, name="original"),
]
