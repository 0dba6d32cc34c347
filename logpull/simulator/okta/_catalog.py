"""Static ingredients of generated LogEvents: the org's users, apps, groups, places and
the event types with their display messages, legacy types and outcomes.

Modelled on LogEvent examples in Okta's System Log API reference.
"""

from __future__ import annotations

from dataclasses import dataclass

ORG_HOST = "example.okta.com"


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    state: str
    country: str
    postal_code: str
    lat: float
    lon: float
    as_number: int
    as_org: str
    isp: str
    domain: str


PLACES: tuple[Place, ...] = (
    Place("New York", "New York", "United States", "10013", 40.7209, -74.0048,
          7922, "comcast", "comcast cable communications llc", "comcast.net"),
    Place("San Francisco", "California", "United States", "94107", 37.7697, -122.3933,
          7018, "at&t services  inc.", "at&t corp.", "att.net"),
    Place("Austin", "Texas", "United States", "78701", 30.2713, -97.7426,
          11427, "charter communications inc", "charter communications", "rr.com"),
    Place("London", "England", "United Kingdom", "EC1A", 51.5164, -0.093,
          2856, "british telecommunications plc", "bt public internet service", "bt.com"),
    Place("Berlin", "Land Berlin", "Germany", "10117", 52.5196, 13.4069,
          3320, "deutsche telekom ag", "deutsche telekom ag", "telekom.de"),
    Place("Toronto", "Ontario", "Canada", "M5H", 43.6547, -79.3623,
          812, "rogers communications canada inc.", "rogers communications", "rogers.com"),
)  # fmt: skip

# (rawUserAgent, os, browser, device)
USER_AGENTS: tuple[tuple[str, str, str, str], ...] = (
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/129.0.0.0 Safari/537.36", "Mac OS X", "CHROME", "Computer"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0", "Windows 10", "EDGE_CHROMIUM", "Computer"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
     "Windows 10", "FIREFOX", "Computer"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.6 Mobile/15E148 Safari/604.1", "iOS", "SAFARI", "Mobile"),
    ("okta-sdk-java/8.2.5 java/17.0.9 Linux/6.1.0", "Linux", "UNKNOWN", "Unknown"),
)  # fmt: skip

FIRST_NAMES = (
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan",
    "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Wendy",
)  # fmt: skip
LAST_NAMES = (
    "Anderson", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes",
    "Ito", "Jones", "Kowalski", "Lopez", "Murphy", "Nakamura", "Okafor", "Patel",
)  # fmt: skip

# Labels of the org's applications (AppInstance targets)
APPS: tuple[str, ...] = ("Salesforce.com", "Slack", "Zoom", "GitHub Enterprise Cloud",
                         "Google Workspace", "Atlassian Cloud", "AWS IAM Identity Center",
                         "Workday")  # fmt: skip
GROUPS: tuple[str, ...] = ("Everyone", "Engineering", "Sales", "Finance", "IT Admins",
                           "Contractors")  # fmt: skip
POLICIES: tuple[tuple[str, str], ...] = (
    ("Default Policy", "Default Rule"),
    ("Corporate Network", "Allow on network"),
    ("Require MFA", "MFA everywhere"),
)
OAUTH_CLIENTS: tuple[str, ...] = ("SIEM Exporter", "Provisioning Service", "Internal Portal")

# Target kinds (what the ``target`` array holds)
NO_TARGET, APP, USER, GROUP_MEMBER, POLICY, TOKEN, FACTOR = range(7)


@dataclass(frozen=True, slots=True)
class Variant:
    """One kind of LogEvent: an eventType with one outcome."""

    event_type: str
    legacy: str | None
    message: str
    severity: str
    result: str
    reason: str | None
    request_uri: str
    credential_type: str | None
    target: int
    transaction: str = "WEB"
    weight: int = 1
    actor_is_client: bool = False  # an OAuth client, not a user, did it


VARIANTS: tuple[Variant, ...] = (
    Variant("user.session.start", "core.user_auth.login_success", "User login to Okta",
            "INFO", "SUCCESS", None, "/idp/idx/identify", "PASSWORD", NO_TARGET, weight=12),
    Variant("user.session.start", "core.user_auth.login_failed", "User login to Okta",
            "WARN", "FAILURE", "INVALID_CREDENTIALS", "/idp/idx/challenge/answer", "PASSWORD",
            NO_TARGET, weight=2),
    Variant("user.session.end", "core.user_auth.logout_success", "User logout from Okta",
            "INFO", "SUCCESS", None, "/login/signout", None, NO_TARGET, weight=4),
    Variant("user.authentication.sso", "app.auth.sso", "User single sign on to app",
            "INFO", "SUCCESS", None, "/app/sso/saml", None, APP, weight=14),
    Variant("user.authentication.auth_via_mfa", "core.user.factor.attempt_success",
            "Authentication of user via MFA", "INFO", "SUCCESS", None,
            "/idp/idx/challenge/answer", "OTP", FACTOR, weight=6),
    Variant("user.authentication.auth_via_mfa", "core.user.factor.attempt_fail",
            "Authentication of user via MFA", "INFO", "FAILURE", "INVALID_CREDENTIALS",
            "/idp/idx/challenge/answer", "OTP", FACTOR),
    Variant("policy.evaluate_sign_on", None, "Evaluation of sign-on policy", "INFO", "ALLOW",
            "Sign-on policy evaluation resulted in ALLOW", "/idp/idx/identify", None, POLICY,
            weight=8),
    Variant("policy.evaluate_sign_on", None, "Evaluation of sign-on policy", "INFO",
            "CHALLENGE", "Sign-on policy evaluation resulted in CHALLENGE",
            "/idp/idx/identify", None, POLICY, weight=3),
    Variant("user.account.lock", "core.user_auth.account_locked", "Max sign in attempts exceeded",
            "WARN", "FAILURE", "LOCKED_OUT", "/idp/idx/challenge/answer", None, NO_TARGET),
    Variant("user.account.update_password", "core.user.config.password_update.success",
            "User update password for Okta", "INFO", "SUCCESS", None,
            "/api/v1/users/me/credentials/change_password", None, USER),
    Variant("group.user_membership.add", "core.user_group_member.user_add",
            "Add user to group membership", "INFO", "SUCCESS", None,
            "/api/v1/groups/members", None, GROUP_MEMBER, weight=2),
    Variant("app.oauth2.token.grant.access_token", "app.oauth2.token.grant.access_token_success",
            "OAuth2 access token is granted", "INFO", "SUCCESS", None, "/oauth2/v1/token",
            None, TOKEN, transaction="WEB", weight=5, actor_is_client=True),
    Variant("system.org.rate_limit.warning", None, "Rate limit warning", "WARN", "SUCCESS",
            None, "/api/v1/logs", None, NO_TARGET, transaction="JOB", actor_is_client=True),
)  # fmt: skip
