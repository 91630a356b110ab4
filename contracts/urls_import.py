from django.urls import path

from . import views_import as views

urlpatterns = [
    path("", views.ContractImportView.as_view(), name="contract-import"),
    path("template/", views.ContractImportTemplateView.as_view(), name="contract-import-template"),
    path("problems/", views.ContractImportErrorsView.as_view(), name="contract-import-errors"),
]
