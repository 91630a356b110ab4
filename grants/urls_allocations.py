from django.urls import path

from . import views_allocations as views

urlpatterns = [
    path("", views.AllocationListView.as_view(), name="allocation-list"),
    path("export/", views.AllocationExportView.as_view(), name="allocation-export"),
    path("new/", views.AllocationCreateView.as_view(), name="allocation-create"),
    path("<int:pk>/", views.AllocationDetailView.as_view(), name="allocation-detail"),
]
