from django.urls import path

from apps.api.views import CombinedGrowthDataView

urlpatterns = [
    path("batch/batches/<int:pk>/combined-growth-data/", CombinedGrowthDataView.as_view(), name="combined-growth-data"),
]
