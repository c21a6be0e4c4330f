from django.urls import path

from reports import views

urlpatterns = [
    path("", views.home, name="home"),
    path("api/kpis/", views.kpis_api, name="kpis_api"),
]
