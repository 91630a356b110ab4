"""The forward plan and its calendar feed, mounted at /workstreams/forward-plan/."""

from django.urls import path

from . import forward_plan

urlpatterns = [
    path("", forward_plan.ForwardPlanView.as_view(), name="forward-plan"),
    path(
        "calendar/",
        forward_plan.CalendarFeedSettingsView.as_view(),
        name="calendar-feed-settings",
    ),
    path(
        "calendar/create/",
        forward_plan.CalendarFeedCreateView.as_view(),
        name="calendar-feed-create",
    ),
    path(
        "calendar/stop/",
        forward_plan.CalendarFeedRevokeView.as_view(),
        name="calendar-feed-revoke",
    ),
    path(
        "calendar/<str:token>.ics",
        forward_plan.CalendarFeedView.as_view(),
        name="calendar-feed",
    ),
]
