from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from aquamind.health import health

urlpatterns = [
    path("", RedirectView.as_view(url="/batches/", permanent=False)),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("batches/", include("apps.web.urls")),
    path("api/v1/", include("apps.api.urls")),
]
