"""Who may call the webhooks: TVox's HTTP Basic credentials and, optionally, its networks.

`check_webhook_access` runs first in every webhook handler. A refused request
is still recorded in the event log as rejected, with a reason that names the
user tried but never the password, and nothing else happens to it: only the
first bytes of what it sent are kept, and a flood of them is one counted row.
"""

from __future__ import annotations

import secrets
from ipaddress import ip_address, ip_network

from fastapi import Request
from fastapi.responses import Response

from tvox_journey.settings import Settings
from tvox_journey.web.deps import Resources
from tvox_journey.web.security.identity import BASIC_CHALLENGE, parse_basic
from tvox_journey.web.webhooks.refusals import log_refused, problem_response

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def has_webhook_credentials(settings: Settings) -> bool:
    return settings.webhook_user is not None and settings.webhook_password is not None


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def open_webhooks_problem(settings: Settings) -> str | None:
    """Why serving these settings would expose unauthenticated webhooks, or None when it would not."""
    if has_webhook_credentials(settings) or is_loopback(settings.host):
        return None
    return (
        f"refusing to listen on {settings.host} with webhooks anyone can call: set "
        "TVOX_JOURNEY_WEBHOOK_USER and TVOX_JOURNEY_WEBHOOK_PASSWORD (and the same credentials in TVox), "
        "or pass --allow-open-webhooks"
    )


def is_allowed_address(host: str | None, networks: list[str]) -> bool:
    """True when no networks are configured or `host` is in one of them."""
    if not networks:
        return True
    try:
        address = ip_address(host or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in ip_network(network) for network in networks)


def _equal(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def refusal(request: Request, settings: Settings) -> tuple[int, str] | None:
    """(status, reason) when this request may not use the webhooks, else None."""
    host = request.client.host if request.client else None
    if not is_allowed_address(host, settings.webhook_allow_networks):
        return 403, f"address {host} is not in webhook_allow_networks"
    if settings.webhook_user is None or settings.webhook_password is None:
        return None
    authorization = request.headers.get("authorization")
    if authorization is None:
        return 401, "HTTP Basic credentials missing"
    credentials = parse_basic(authorization)
    if credentials is None:
        return 401, "Authorization header is not HTTP Basic"
    user, password = credentials
    # Both comparisons always run, so the time taken does not tell which one failed.
    user_ok = _equal(user, settings.webhook_user)
    password_ok = _equal(password, settings.webhook_password.get_secret_value())
    if not (user_ok and password_ok):
        return 401, f"wrong HTTP Basic credentials for user {user[:64]!r}"
    return None


async def check_webhook_access(
    request: Request, resources: Resources, *, route: str = "unknown"
) -> Response | None:
    """None when the request may go on; else the 401/403 response, after logging it as rejected."""
    refused = refusal(request, resources.settings)
    if refused is None:
        return None
    status_code, reason = refused
    await log_refused(request, resources, route=route, status_code=status_code, reason=reason)
    response = problem_response(
        status_code, None, "authentication required" if status_code == 401 else "address not allowed"
    )
    if status_code == 401:
        response.headers["WWW-Authenticate"] = BASIC_CHALLENGE
    return response
