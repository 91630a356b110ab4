from django.urls import path

from . import views_import as views

urlpatterns = [
    path("", views.GrantImportView.as_view(), name="grant-import"),
    path("template/", views.GrantImportTemplateView.as_view(), name="grant-import-template"),
    path("problems/", views.GrantImportErrorsView.as_view(), name="grant-import-errors"),
]
