from django.urls import include, path

from . import forward_plan, views

urlpatterns = [
    path(
        "forward-plan/export/",
        forward_plan.ForwardPlanExportView.as_view(),
        name="forward-plan-export",
    ),
    path("forward-plan/", include("workstreams.urls_forward_plan")),
    path("", views.WorkstreamListView.as_view(), name="workstream-list"),
    path("export/", views.WorkstreamExportView.as_view(), name="workstream-export"),
    path("new/", views.WorkstreamCreateView.as_view(), name="workstream-create"),
    path("<int:pk>/", views.WorkstreamDetailView.as_view(), name="workstream-detail"),
    path("<int:pk>/edit/", views.WorkstreamUpdateView.as_view(), name="workstream-edit"),
    path("<int:pk>/advance/", views.StageAdvanceView.as_view(), name="workstream-advance"),
    path(
        "<int:pk>/checklist/", views.WorkstreamChecklistView.as_view(), name="workstream-checklist"
    ),
    path(
        "<int:pk>/checklist/<int:item_pk>/",
        views.ChecklistItemUpdateView.as_view(),
        name="workstream-checklist-item",
    ),
    path(
        "<int:pk>/checklist/<int:item_pk>/evidence/",
        views.ChecklistEvidenceView.as_view(),
        name="workstream-checklist-evidence",
    ),
    path("<int:pk>/partners/", views.WorkstreamPartnersView.as_view(), name="workstream-partners"),
    path(
        "<int:pk>/partners/new/", views.PartnerCreateView.as_view(), name="workstream-partner-add"
    ),
    path(
        "<int:pk>/partners/<int:partner_pk>/remove/",
        views.PartnerRemoveView.as_view(),
        name="workstream-partner-remove",
    ),
    path(
        "<int:pk>/milestones/",
        views.WorkstreamMilestonesView.as_view(),
        name="workstream-milestones",
    ),
    path(
        "<int:pk>/milestones/new/",
        views.MilestoneCreateView.as_view(),
        name="workstream-milestone-create",
    ),
    path(
        "<int:pk>/milestones/<int:milestone_pk>/edit/",
        views.MilestoneUpdateView.as_view(),
        name="workstream-milestone-edit",
    ),
    path(
        "<int:pk>/milestones/<int:milestone_pk>/delete/",
        views.MilestoneDeleteView.as_view(),
        name="workstream-milestone-delete",
    ),
    path(
        "<int:pk>/decisions/", views.WorkstreamDecisionsView.as_view(), name="workstream-decisions"
    ),
    path("<int:pk>/money/", views.WorkstreamMoneyView.as_view(), name="workstream-money"),
    path(
        "<int:pk>/documents/", views.WorkstreamDocumentsView.as_view(), name="workstream-documents"
    ),
    path("<int:pk>/voice/", views.WorkstreamVoiceView.as_view(), name="workstream-voice"),
    path("<int:pk>/voice/new/", views.VoiceCreateView.as_view(), name="workstream-voice-create"),
    path("<int:pk>/history/", views.WorkstreamHistoryView.as_view(), name="workstream-history"),
]
