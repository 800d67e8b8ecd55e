from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.api.csp import csp_report
from apps.web import views as web_views
from aquamind.health import health
from aquamind.lockout import LockoutLoginView

urlpatterns = [
    path("", web_views.overview, name="overview"),
    path("health/", health, name="health"),
    path("csp-report/", csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
    path("accounts/login/", LockoutLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("batches/", include("apps.web.urls")),
    path("containers/<int:pk>/", web_views.container_page, name="container-page"),
    path("containers/<int:pk>/record/", web_views.container_record, name="container-record"),
    path("sites/<int:pk>/record/", web_views.site_record, name="site-record"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the browsable docs send a logged-out reader to the login page and back (the schema itself answers 401);
    # Swagger UI's start script is its own response (?script), not inline, for the Content-Security-Policy
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html")),
        name="api-docs",
    ),
    # ReDoc cannot run under the Content-Security-Policy (docs/web.md): its old address opens Swagger UI
    path("api/redoc/", RedirectView.as_view(pattern_name="api-docs"), name="api-redoc"),
    path("api/v1/", include("apps.api.urls")),
]

handler404 = "apps.api.views.misc.page_not_found"
handler500 = "apps.api.views.misc.server_error"
