"""Office staff see every return; a provider sees only their own organisation's returns
and their evidence. Schedules, underspend flags and the concerns log are the office's."""

from commissioning.policies import ModelPolicy

from .models import Concern, EvidenceFile, MonitoringReturn, ReturnSchedule, UnderspendFlag


class MonitoringReturnPolicy(ModelPolicy):
    model = MonitoringReturn

    def provider_scope(self, user, queryset):
        return queryset.filter(organisation_id=user.organisation_id)


class EvidenceFilePolicy(ModelPolicy):
    model = EvidenceFile

    def provider_scope(self, user, queryset):
        return queryset.filter(monitoring_return__organisation_id=user.organisation_id)


class ReturnSchedulePolicy(ModelPolicy):
    model = ReturnSchedule


class UnderspendFlagPolicy(ModelPolicy):
    model = UnderspendFlag


class ConcernPolicy(ModelPolicy):
    model = Concern


return_policy = MonitoringReturnPolicy()
evidence_policy = EvidenceFilePolicy()
schedule_policy = ReturnSchedulePolicy()
underspend_policy = UnderspendFlagPolicy()
concern_policy = ConcernPolicy()
