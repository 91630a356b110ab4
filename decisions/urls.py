from django.urls import path

from . import views

urlpatterns = [
    path("", views.AssessmentListView.as_view(), name="assessment-list"),
    path("export/", views.AssessmentExportView.as_view(), name="assessment-export"),
    path("new/", views.AssessmentCreateView.as_view(), name="assessment-create"),
    path("<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment-detail"),
    path("<int:pk>/edit/", views.AssessmentEditView.as_view(), name="assessment-edit"),
    path("<int:pk>/decide/", views.AssessmentDecideView.as_view(), name="assessment-decide"),
    path(
        "<int:pk>/supersede/",
        views.AssessmentSupersedeView.as_view(),
        name="assessment-supersede",
    ),
    path(
        "<int:pk>/answers/<int:answer_pk>/evidence/",
        views.AnswerEvidenceView.as_view(),
        name="assessment-evidence",
    ),
]
