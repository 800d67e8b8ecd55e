from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.api.csp import csp_report
from apps.web import alerts as web_alerts
from apps.web import imports as import_views
from apps.web import reports as web_reports
from apps.web import views as web_views
from aquamind.health import health, status_page
from aquamind.lockout import LockoutLoginView

urlpatterns = [
    path("", web_views.overview, name="overview"),
    path("health/", health, name="health"),
    path("status/", status_page, name="system-status"),
    path("csp-report/", csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
    path("accounts/login/", LockoutLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("batches/", include("apps.web.urls")),
    path("containers/<int:pk>/", web_views.container_page, name="container-page"),
    path("alerts/", web_alerts.alerts_page, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", web_alerts.alert_acknowledge_view, name="alert-acknowledge"),
    path("alerts/subscriptions/", web_alerts.alert_subscriptions_save, name="alert-subscriptions"),
    path("imports/", import_views.import_page, name="import-page"),
    path("imports/<int:pk>/", import_views.import_job_page, name="import-job-page"),
    path("imports/<int:pk>/status/", import_views.import_job_status, name="import-job-status"),
    path("imports/<int:pk>/confirm/", import_views.import_job_confirm, name="import-job-confirm"),
    path("imports/templates/<str:name>", import_views.import_template, name="import-template"),
    path("reports/", web_reports.report_picker, name="report-picker"),
    re_path(
        r"^reports/sites/(?P<pk>[0-9]{1,18})/(?P<month>[^/]{1,20})/$",
        web_reports.site_month_page,
        name="site-month-report",
    ),
    re_path(r"^reports/(?P<month>[^/]{1,20})/$", web_reports.farm_month_page, name="farm-month-report"),
    path("history/", web_views.history_feed, name="history-feed-page"),
    path("history/<str:kind>/<int:pk>/", web_views.record_history_page, name="history-record-page"),
    path("sites/<int:pk>/", web_views.site_page, name="site-page"),
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

handler403 = "apps.api.views.misc.permission_denied"
handler404 = "apps.api.views.misc.page_not_found"
handler500 = "apps.api.views.misc.server_error"
