"""Google Reports applications: every documented ``applicationName`` and how late each
one's events may still appear. The one place both lists live (config and simulator use it)."""

from __future__ import annotations

from datetime import timedelta

# The ``applicationName`` enum of ``reports.activities.list`` in the admin.reports_v1
# discovery document (revision 20260929): what ``applications = "all"`` means.
APPLICATION_NAMES: tuple[str, ...] = (
    "access_transparency", "admin", "calendar", "chat", "drive", "gcp", "gmail", "gplus",
    "groups", "groups_enterprise", "jamboard", "login", "meet", "mobile", "rules", "saml",
    "token", "user_accounts", "context_aware_access", "chrome", "data_studio", "keep",
    "vault", "gemini_in_workspace_apps", "classroom", "assignments", "cloud_search",
    "tasks", "data_migration", "meet_hardware", "directory_sync", "ldap", "profile",
    "access_evaluation", "admin_data_action", "contacts", "takeout", "graduation", "voice",
    "chrome_sync", "workspace_studio", "gemini_notebook",
)  # fmt: skip

# Google's "Data retention and lag times" table, rounded up: how late events of each
# application may still appear. Used when a source does not set late_horizon.
GOOGLE_LATE_HORIZONS: dict[str, timedelta] = {
    "login": timedelta(hours=1),
    "admin": timedelta(hours=1),
    "saml": timedelta(hours=1),
    "user_accounts": timedelta(hours=1),
    "access_transparency": timedelta(hours=1),
    "context_aware_access": timedelta(hours=1),
    "chrome": timedelta(hours=1),
    "mobile": timedelta(hours=1),
    "rules": timedelta(hours=1),
    "calendar": timedelta(hours=4),
    "groups": timedelta(hours=4),
    "groups_enterprise": timedelta(hours=4),
    "drive": timedelta(hours=4),
    "meet": timedelta(hours=4),
    "chat": timedelta(hours=4),
    "gmail": timedelta(hours=4),
    "token": timedelta(hours=6),
    "cloud_search": timedelta(hours=6),
}
DEFAULT_LATE_HORIZON = timedelta(hours=6)  # an application the table does not name


def google_late_horizon(application: str) -> timedelta:
    return GOOGLE_LATE_HORIZONS.get(application, DEFAULT_LATE_HORIZON)


def all_applications(value: object) -> object:
    """``"all"`` is every documented application; any other text is not a list."""
    if value == "all":
        return APPLICATION_NAMES
    if isinstance(value, str):
        raise ValueError('use a list of application names, or "all"')
    return value


def check_applications(names: tuple[str, ...]) -> tuple[str, ...]:
    """Raise ValueError (naming the problem) unless ``names`` is a non-empty list of
    documented applications without repeats."""
    if not names:
        raise ValueError('must name at least one application (or "all")')
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"repeated application(s): {', '.join(repeated)}")
    unknown = [name for name in names if name not in APPLICATION_NAMES]
    if unknown:
        raise ValueError(f"unknown application(s) {', '.join(map(repr, unknown))}; "
                         f"valid: {', '.join(sorted(APPLICATION_NAMES))}")
    return names
