from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kpi_portal import views
from reports import views as report_views

urlpatterns = [
    path("", include("reports.urls")),
    path("imports/", include("dossiers.urls")),
    path("directives/", include("directives.urls")),
    path("apologies/", include("dossiers.apology_urls")),
    path("postings/", include("directives.posting_urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # The trivial signed-in view the page benchmarks compare with (reports/views.py).
    path("ping", report_views.ping, name="ping"),
    path("audit/", include("agencies.urls")),
    path("admin/", admin.site.urls),
]
