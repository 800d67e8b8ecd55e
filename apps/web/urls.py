from django.urls import path

from apps.web import views

urlpatterns = [
    path("", views.batch_list, name="batch-list"),
    path("<int:pk>/growth/", views.batch_growth, name="batch-growth"),
]
