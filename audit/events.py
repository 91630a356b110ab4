"""The names of audit events, and how the admin page words them.

An event name is a short code (``grant.status_changed``); a caller may record a name not
listed here (it is shown as it is), but the ones below are what the portal writes.
"""

from __future__ import annotations

SIGN_IN = "auth.sign_in"
SIGN_IN_FAILED = "auth.sign_in_failed"
SIGN_OUT = "auth.sign_out"
LOCKED_OUT = "auth.locked_out"
ACCESS_REFUSED = "access.refused"
AUDIT_PRUNED = "audit.pruned"

#: Suggested names for MFA changes (written by the MFA pages through
#: ``commissioning.audit.record``).
MFA_DEVICE_ADDED = "mfa.device_added"
MFA_DEVICE_REMOVED = "mfa.device_removed"
MFA_RECOVERY_CODES_GENERATED = "mfa.recovery_codes_generated"
MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used"
MFA_VERIFY_FAILED = "mfa.verify_failed"

LABELS = {
    SIGN_IN: "Signed in",
    SIGN_IN_FAILED: "Sign-in failed",
    SIGN_OUT: "Signed out",
    LOCKED_OUT: "Locked out after too many failed sign-ins",
    ACCESS_REFUSED: "Refused a page or action",
    AUDIT_PRUNED: "Old audit events deleted",
    MFA_DEVICE_ADDED: "Two-factor authentication set up",
    MFA_DEVICE_REMOVED: "Two-factor authentication removed",
    MFA_RECOVERY_CODES_GENERATED: "Recovery codes made",
    MFA_RECOVERY_CODE_USED: "Recovery code used",
    MFA_VERIFY_FAILED: "Two-factor code refused",
    "assessment.created": "Decision assessment started",
    "assessment.status_changed": "Decision assessment status changed",
    "assessment.deleted": "Decision assessment deleted",
    "grant.created": "Grant added",
    "grant.status_changed": "Grant status changed",
    "grant.deleted": "Grant deleted",
    "return.created": "Monitoring return added",
    "return.status_changed": "Monitoring return status changed",
    "return.deleted": "Monitoring return deleted",
    "contract.created": "Contract added",
    "contract.went_live": "Contract went live",
    "contract.extended": "Contract extended",
    "contract.end_date_changed": "Contract end date changed",
    "contract.varied": "Contract varied",
    "contract.terminated": "Contract terminated",
    "contract.deleted": "Contract deleted",
}


def label(event: str) -> str:
    return LABELS.get(event, event)
