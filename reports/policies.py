"""Who sees which report jobs: office staff see every report; a provider sees only the
reports about their own organisation (the contract review pack of their own contract),
so any other report's id answers 404."""

from commissioning.policies import ModelPolicy

from .models import ReportJob


class ReportJobPolicy(ModelPolicy):
    model = ReportJob

    def provider_scope(self, user, queryset):
        return queryset.filter(organisation_id=user.organisation_id)


report_job_policy = ReportJobPolicy()
