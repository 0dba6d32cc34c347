"""Deterministic LogEvent generation: same settings, same events, byte for byte.

Event times and visibility lags come from the Reports simulator's timeline model
(``draw_event_times`` / ``draw_visibility_lags``: minute edges, shared instants, late
arrivals); every other attribute is drawn column by column from the same seeded
``Random``. Each event is rendered once, as compact JSON bytes, from per-user and
per-variant fragments.
"""

from __future__ import annotations

import base64
import json
import random
from array import array
from dataclasses import dataclass
from functools import cache

from logpull.simulator._generator import draw_distinct, draw_event_times, draw_visibility_lags
from logpull.simulator._timefmt import format_ms
from logpull.simulator.okta import _catalog as cat
from logpull.simulator.okta._settings import OktaSimulatorSettings
from logpull.simulator.okta._store import OktaStore

USERS = 200
IPS_PER_USER = 3
_DAY_MS = 86_400_000
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_UUID_V4 = (~(0xF << 76) & ~(0x3 << 62), (0x4 << 76) | (0x2 << 62))  # (and-mask, or-bits)
_TEMPLATE = (
    b'{"actor":%s,%s,"device":null,"authenticationContext":{"authenticationProvider":null,'
    b'"credentialProvider":null,"credentialType":%s,"issuer":null,"interface":null,'
    b'"authenticationStep":0,"externalSessionId":%s},%s,"published":"%s%s.%sZ",'
    b'"debugContext":{"debugData":{"requestId":"%s",%s}},"transaction":{"type":%s,"id":"%s",'
    b'"detail":{}},"uuid":"%s-%s-%s-%s-%s","version":"0","target":%s}'
)


def _js(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class _Org:
    """Pre-rendered JSON fragments of the org's principals and places."""

    actors: list[bytes]  # per user: the actor object
    clients: list[bytes]  # per OAuth client: the actor object
    wheres: list[list[bytes]]  # per user, per address: client, securityContext, request
    sessions: list[list[bytes]]  # per user, per address: externalSessionId (JSON)
    user_targets: list[bytes]  # per user: a target User object
    apps: list[bytes]
    groups: list[bytes]
    policies: list[bytes]  # each a whole target array: the policy and its rule
    factors: list[bytes]
    tokens: list[bytes]


def build_okta_store(settings: OktaSimulatorSettings) -> OktaStore:
    """Generate ``settings.events`` LogEvents and index them; deterministic by ``seed``."""
    rng = random.Random(settings.seed)  # noqa: S311 - simulation data, not security
    org = _make_org(rng)
    count = settings.events
    times = draw_event_times(rng, settings, count, start=settings.start, end=settings.timeline_end)
    uuids = _draw_uuids(rng, count)
    lags = draw_visibility_lags(rng, settings, count)
    uniform, bits = rng.random, rng.getrandbits
    users = [int(uniform() * USERS) for _ in range(count)]
    ips = [int(uniform() * IPS_PER_USER) for _ in range(count)]
    picks = [uniform() for _ in range(count)]
    targets = [uniform() for _ in range(count)]
    transactions = [bits(160) for _ in range(count)]

    keys = [(t << 128) | u for t, u in zip(times, uuids, strict=True)]
    order = sorted(range(count), key=keys.__getitem__)
    del keys
    variants, tables = _weighted_variants(), _target_tables(org)
    clock, millis = _clock_strings(), _milli_strings()
    days: dict[int, bytes] = {}
    blobs = []
    for i in order:
        variant = variants[int(picks[i] * len(variants))]
        user, ip = users[i], ips[i]
        day, in_day = divmod(times[i], _DAY_MS)
        date = days.get(day) or days.setdefault(day, format_ms(day * _DAY_MS)[:11].encode())
        transaction = base64.urlsafe_b64encode(transactions[i].to_bytes(20))[:27]
        uuid = b"%032x" % uuids[i]
        blobs.append(
            _TEMPLATE % (
                org.clients[user % len(org.clients)] if variant.actor_is_client
                else org.actors[user],
                org.wheres[user][ip],
                variant.credential,
                org.sessions[user][ip] if variant.session else b"null",
                variant.head,
                date, clock[in_day // 1000], millis[in_day % 1000],
                transaction,
                variant.debug,
                variant.transaction,
                transaction,
                uuid[:8], uuid[8:12], uuid[12:16], uuid[16:20], uuid[20:],
                tables[variant.target][
                    user if variant.target == cat.USER
                    else int(targets[i] * len(tables[variant.target]))
                ],
            )
        )  # fmt: skip
    return OktaStore(
        published=array("q", [times[i] for i in order]),
        uuids=[uuids[i] for i in order],
        visible_at=array("d", [times[i] / 1000 + lags[i] for i in order]),
        blobs=blobs,
    )


@cache
def _clock_strings() -> tuple[bytes, ...]:
    """``HH:MM:SS`` for every second of a day."""
    return tuple(
        b"%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60) for s in range(_DAY_MS // 1000)
    )


@cache
def _milli_strings() -> tuple[bytes, ...]:
    return tuple(b"%03d" % ms for ms in range(1000))


@dataclass(frozen=True, slots=True)
class _RenderedVariant:
    head: bytes  # displayMessage, eventType, legacyEventType, outcome, severity members
    debug: bytes  # requestUri and url members of debugData
    credential: bytes  # authenticationContext.credentialType (JSON)
    transaction: bytes  # transaction.type (JSON)
    session: bool  # whether the event belongs to a session
    target: int
    actor_is_client: bool


def _weighted_variants() -> list[_RenderedVariant]:
    rendered = []
    for variant in cat.VARIANTS:
        head = (
            b'"displayMessage":%s,"eventType":%s,"legacyEventType":%s,'
            b'"outcome":{"result":%s,"reason":%s},"severity":%s'
        ) % tuple(
            _js(value)
            for value in (variant.message, variant.event_type, variant.legacy, variant.result,
                          variant.reason, variant.severity)
        )  # fmt: skip
        debug = b'"requestUri":%s,"url":%s' % (
            _js(variant.request_uri),
            _js(variant.request_uri + "?"),
        )
        item = _RenderedVariant(
            head=head,
            debug=debug,
            credential=_js(variant.credential_type),
            transaction=_js(variant.transaction),
            session=not variant.actor_is_client and variant.result != "FAILURE",
            target=variant.target,
            actor_is_client=variant.actor_is_client,
        )
        rendered += [item] * variant.weight
    return rendered


def _target_tables(org: _Org) -> dict[int, list[bytes]]:
    """Per target kind, the possible ``target`` arrays (for ``USER``: one per user)."""
    return {
        cat.NO_TARGET: [b"null"],
        cat.APP: [b"[%s]" % app for app in org.apps],
        cat.USER: [b"[%s]" % user for user in org.user_targets],
        cat.GROUP_MEMBER: [b"[%s,%s]" % (u, g) for u in org.user_targets for g in org.groups],
        cat.POLICY: org.policies,
        cat.TOKEN: [b"[%s]" % token for token in org.tokens],
        cat.FACTOR: [b"[%s]" % factor for factor in org.factors],
    }


def _draw_uuids(rng: random.Random, count: int) -> list[int]:
    """Distinct version-4 UUIDs as 128-bit integers."""
    mask, set_bits = _UUID_V4
    bits = rng.getrandbits
    return draw_distinct(count, lambda: (bits(128) & mask) | set_bits)


def _okta_id(rng: random.Random, prefix: str) -> str:
    """An Okta object id: a 3-character type prefix and 17 base62 characters."""
    return prefix + "".join(rng.choices(_BASE62, k=17))


def _make_org(rng: random.Random) -> _Org:
    actors, user_targets, wheres, sessions = [], [], [], []
    for index in range(USERS):
        first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
        user_id = _okta_id(rng, "00u")
        email = f"{first.lower()}.{last.lower()}{index}@example.com"
        principal = {"id": user_id, "type": "User", "alternateId": email,
                     "displayName": f"{first} {last}", "detailEntry": None}  # fmt: skip
        actors.append(_js(principal))
        user_targets.append(_js(principal))
        addresses = [_where(rng) for _ in range(IPS_PER_USER)]
        wheres.append(addresses)
        sessions.append([_js("102" + "".join(rng.choices(_BASE62, k=22))) for _ in addresses])
    clients = [
        _js({"id": _okta_id(rng, "0oa"), "type": "PublicClientApp", "alternateId": name,
             "displayName": name, "detailEntry": None})
        for name in cat.OAUTH_CLIENTS
    ]  # fmt: skip
    apps = [
        _js({"id": _okta_id(rng, "0oa"), "type": "AppInstance", "alternateId": name,
             "displayName": name, "detailEntry": None})
        for name in cat.APPS
    ]  # fmt: skip
    groups = [
        _js({"id": _okta_id(rng, "00g"), "type": "UserGroup", "alternateId": "unknown",
             "displayName": name, "detailEntry": None})
        for name in cat.GROUPS
    ]  # fmt: skip
    policies = [
        _js([{"id": _okta_id(rng, "00p"), "type": "PolicyEntity", "alternateId": "unknown",
              "displayName": policy, "detailEntry": {"policyType": "OktaSignOn"}},
             {"id": _okta_id(rng, "0pr"), "type": "PolicyRule", "alternateId": "unknown",
              "displayName": rule, "detailEntry": None}])
        for policy, rule in cat.POLICIES
    ]  # fmt: skip
    factors = [
        _js({"id": _okta_id(rng, "pfd"), "type": "AuthenticatorEnrollment",
             "alternateId": "unknown", "displayName": name,
             "detailEntry": {"methodTypeUsed": method}})
        for name, method in (("Okta Verify", "Push"), ("Google Authenticator", "TOTP"))
    ]  # fmt: skip
    tokens = [
        _js({"id": _okta_id(rng, "AT."), "type": "access_token", "alternateId": "unknown",
             "displayName": "Access Token", "detailEntry": {"expires": "PT1H", "subject": None,
             "hash": None}})
        for _ in range(3)
    ]  # fmt: skip
    return _Org(actors, clients, wheres, sessions, user_targets, apps, groups, policies,
                factors, tokens)  # fmt: skip


def _where(rng: random.Random) -> bytes:
    """``client``, ``securityContext`` and ``request`` members for one address."""
    place = rng.choice(cat.PLACES)
    raw, os_name, browser, device = rng.choice(cat.USER_AGENTS)
    ip = ".".join(str(rng.randrange(1, 255)) for _ in range(4))
    geo = {
        "city": place.city, "state": place.state, "country": place.country,
        "postalCode": place.postal_code,
        "geolocation": {"lat": place.lat, "lon": place.lon},
    }  # fmt: skip
    client = {
        "userAgent": {"rawUserAgent": raw, "os": os_name, "browser": browser},
        "zone": "null", "device": device, "id": None, "ipAddress": ip,
        "geographicalContext": geo,
    }  # fmt: skip
    security = {"asNumber": place.as_number, "asOrg": place.as_org, "isp": place.isp,
                "domain": place.domain, "isProxy": False}  # fmt: skip
    request = {"ipChain": [{"ip": ip, "geographicalContext": geo, "version": "V4",
                            "source": None}]}  # fmt: skip
    return b'"client":%s,"securityContext":%s,"request":%s' % (
        _js(client),
        _js(security),
        _js(request),
    )
