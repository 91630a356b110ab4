"""The office's monitoring pages under /returns/: review, schedules and underspends."""

from django.urls import path

from . import views_office as views

urlpatterns = [
    path("review/", views.ReviewQueueView.as_view(), name="return-review-queue"),
    path("<int:pk>/review/", views.ReturnReviewView.as_view(), name="return-review"),
    path("schedules/<int:pk>/", views.ScheduleDetailView.as_view(), name="schedule-detail"),
    path("schedules/<int:pk>/edit/", views.ScheduleEditView.as_view(), name="schedule-edit"),
    path(
        "schedules/<int:pk>/targets/",
        views.ScheduleTargetsView.as_view(),
        name="schedule-targets",
    ),
    path("underspends/", views.UnderspendListView.as_view(), name="underspend-list"),
    path(
        "underspends/<int:pk>/resolve/",
        views.UnderspendResolveView.as_view(),
        name="underspend-resolve",
    ),
]
