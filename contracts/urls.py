from django.urls import include, path

from . import views

urlpatterns: list = [
    path("procurements/", include("contracts.urls_procurement")),
    path("import/", include("contracts.urls_import")),
    path("", views.ContractListView.as_view(), name="contract-list"),
    path("export/", views.ContractExportView.as_view(), name="contract-export"),
    path("new/", views.ContractCreateView.as_view(), name="contract-create"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("<int:pk>/kpis/new/", views.KPIAddView.as_view(), name="contract-kpi-add"),
    path("<int:pk>/go-live/", views.GoLiveView.as_view(), name="contract-go-live"),
    path("<int:pk>/risk/", views.RiskView.as_view(), name="contract-risk"),
    path("<int:pk>/meetings/record/", views.MeetingRecordView.as_view(), name="contract-meeting"),
    path("<int:pk>/extension/", views.ExtensionView.as_view(), name="contract-extension"),
    path(
        "<int:pk>/extensions/new/",
        views.ExtensionOptionAddView.as_view(),
        name="contract-extension-option-add",
    ),
    path(
        "<int:pk>/meetings/actions/new/",
        views.MeetingActionAddView.as_view(),
        name="contract-meeting-action-add",
    ),
    path(
        "<int:pk>/meetings/actions/done/",
        views.MeetingActionDoneView.as_view(),
        name="contract-meeting-action-done",
    ),
    path("<int:pk>/variations/new/", views.VariationView.as_view(), name="contract-variation"),
    path("<int:pk>/terminate/", views.TerminateView.as_view(), name="contract-terminate"),
    path("<int:pk>/notices/publish/", views.NoticePublishView.as_view(), name="contract-notice"),
]
