from django.urls import path

from reports import ranking_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("agencies/<str:code>/", views.agency_detail, name="agency_detail"),
    path("domains/", views.domains, name="domains"),
    path("targets/", views.targets, name="targets"),
    path("api/kpis/", views.kpis_api, name="kpis_api"),
    # Home Affairs: rankings and Biểu số 06 (reports/ranking_views.py)
    path("rankings/", ranking_views.rankings, name="rankings"),
    path("rankings/weights/", ranking_views.weights, name="ranking_weights"),
    path("rankings/export.<str:fmt>", ranking_views.rankings_export, name="rankings_export"),
    path("reports/06/", ranking_views.report06, name="report06"),
    path("reports/06/export.<str:fmt>", ranking_views.report06_export, name="report06_export"),
]
