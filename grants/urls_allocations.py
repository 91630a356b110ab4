from django.urls import path

from . import views_allocations as views

urlpatterns = [
    path("", views.AllocationListView.as_view(), name="allocation-list"),
    path("new/", views.AllocationCreateView.as_view(), name="allocation-create"),
    path("<int:pk>/", views.AllocationDetailView.as_view(), name="allocation-detail"),
]
