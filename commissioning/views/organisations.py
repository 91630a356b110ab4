from __future__ import annotations

from django.shortcuts import get_object_or_404

from .. import selectors, services
from ..access import Access
from ..exports import Column
from ..filters import OrganisationFilter
from ..forms import ConfirmRemoveForm, OrganisationContactForm, OrganisationForm
from ..history import history_entries
from ..models import OrganisationContact
from ..policies import organisation_policy
from .base import (
    PolicyObjectMixin,
    PortalDetailView,
    PortalExportView,
    PortalListView,
    ServiceFormView,
    ServiceUpdateView,
)


class OrganisationRows:
    access = Access.STAFF
    policy = organisation_policy
    selector = staticmethod(selectors.organisation_list)
    filterset_class = OrganisationFilter


class OrganisationListView(OrganisationRows, PortalListView):
    template_name = "commissioning/organisation_list.html"


class OrganisationExportView(OrganisationRows, PortalExportView):
    export_stem = "organisations"
    export_columns = [
        Column("Name", lambda o: o.name),
        Column("Kind", lambda o: o.get_kind_display()),
        Column("Identifier", lambda o: o.identifier),
        Column("Website", lambda o: o.website),
        Column("Email", lambda o: o.email),
        Column("Telephone", lambda o: o.telephone),
        Column("Postcode", lambda o: o.postcode),
        Column("Active", lambda o: o.is_active),
        Column("Contacts", lambda o: o.contact_count),
    ]


class OrganisationDetailView(PortalDetailView):
    access = Access.STAFF
    policy = organisation_policy
    template_name = "commissioning/organisation_detail.html"
    context_object_name = "organisation"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = self.object
        context["contacts"] = organisation.contacts.all()
        context["funding_streams"] = organisation.funding_streams.all()
        context["history"] = history_entries(organisation)
        return context


class OrganisationCreateView(ServiceFormView):
    access = Access.EDITORS
    form_class = OrganisationForm
    template_name = "commissioning/organisation_form.html"
    success_message = "%(object)s has been added"

    def perform(self, form):
        return services.organisation_create(by=self.request.user, **form.cleaned_data)


class OrganisationObjectMixin(PolicyObjectMixin):
    policy = organisation_policy
    context_object_name = "organisation"

    def get_organisation(self):
        return self.get_object()


class OrganisationUpdateView(OrganisationObjectMixin, ServiceUpdateView):
    access = Access.EDITORS
    form_class = OrganisationForm
    template_name = "commissioning/organisation_form.html"
    success_message = "%(object)s has been updated"

    def perform(self, form):
        return services.organisation_update(
            organisation=self.get_object(), by=self.request.user, **form.cleaned_data
        )


class ContactCreateView(OrganisationObjectMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = OrganisationContactForm
    template_name = "commissioning/contact_form.html"
    success_message = "%(object)s has been added"

    def perform(self, form):
        return services.contact_create(
            organisation=self.get_organisation(), by=self.request.user, **form.cleaned_data
        )

    def get_success_url(self):
        return self.get_organisation().get_absolute_url() + "#contacts"


class ContactObjectMixin(OrganisationObjectMixin):
    #: The model behind each URL argument besides ``pk`` (read by the access-matrix test).
    url_models = {"contact_pk": OrganisationContact}

    def get_contact(self):
        return get_object_or_404(
            OrganisationContact, pk=self.kwargs["contact_pk"], organisation=self.get_organisation()
        )

    def get_success_url(self):
        return self.get_organisation().get_absolute_url() + "#contacts"


class ContactUpdateView(ContactObjectMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = OrganisationContactForm
    template_name = "commissioning/contact_form.html"
    success_message = "%(object)s has been updated"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_contact()}

    def perform(self, form):
        return services.contact_update(
            contact=self.get_contact(), by=self.request.user, **form.cleaned_data
        )


class ContactRemoveView(ContactObjectMixin, ServiceFormView):
    """Asks to confirm, then removes a contact."""

    access = Access.EDITORS
    form_class = ConfirmRemoveForm
    template_name = "commissioning/contact_confirm_remove.html"
    success_message = "The contact has been removed"

    def get_context_data(self, **kwargs):
        return super().get_context_data(contact=self.get_contact(), **kwargs)

    def perform(self, form):
        contact = self.get_contact()
        services.contact_remove(contact=contact, by=self.request.user)
        return contact
