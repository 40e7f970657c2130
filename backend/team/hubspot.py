"""HubSpot as the team server's upstream: one rate-limited puller for the whole team.

Every pull first checks the private app's scopes and the property mapping (`sync.hubspot.
preflight`: one line naming what is wrong, nothing written), then lists every partner client
and partner service of the account (a full pull each time; the merge in `backend.team.upstream`
keeps what the team decided) as the records of one partner. The client, with its rate limiter,
lives as long as the upstream, so back-to-back pulls share HubSpot's windows instead of each
starting afresh.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence

from backend.team.upstream import Pulled
from sync.hubspot.api import HubSpotClient
from sync.hubspot.fetch import RESOURCES, fetch_all
from sync.hubspot.preflight import Plan, prepare
from sync.hubspot.settings import HubSpotSettings

TOKEN_VARIABLE = "PARTNEROPS_HUBSPOT_TOKEN"
UPSTREAM_ID = "hubspot"
"""The partner's upstream id: one HubSpot account per team server."""
_REJECTED_LOGGED = 5
log = logging.getLogger(__name__)


class NoHubSpotToken(Exception):
    """The private app's token is not in the environment."""


def hubspot_token(environ: Mapping[str, str] = os.environ) -> str:
    """The private app's token, from the environment only: never a flag, a file or a log."""
    token = environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise NoHubSpotToken(
            f"set {TOKEN_VARIABLE} to the HubSpot private app's access token "
            "(docs/team-server.md, HubSpot upstream)"
        )
    return token


def hubspot_client(token: str, settings: HubSpotSettings) -> HubSpotClient:
    return HubSpotClient(
        token,
        base_url=settings.api_base_url,
        api_version=settings.api_version,
        requests_per_10s=settings.requests_per_10s,
        searches_per_s=settings.searches_per_second,
        token_source=TOKEN_VARIABLE,
    )


class HubSpotUpstream:
    """Callable as an `Upstream`; use as a context manager (it closes the HTTP client)."""

    def __init__(
        self,
        partner: str,
        settings: HubSpotSettings,
        api: HubSpotClient,
        profile_name: str = "NAME",
    ) -> None:
        self.partner = partner
        self.settings = settings
        self.api = api
        self.profile_name = profile_name

    def __enter__(self) -> HubSpotUpstream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.api.__exit__(*exc_info)

    def check(self) -> Plan:
        """Scopes and mapping; raises `sync.client.SyncError` (one line) when either fails."""
        return prepare(self.api, self.settings, self.profile_name)

    def __call__(self) -> Sequence[Pulled]:
        fetched = fetch_all(self.api, self.check(), self.settings)
        for line in fetched.rejected[:_REJECTED_LOGGED]:
            log.warning("HubSpot record rejected: %s", line)
        return [
            Pulled(
                UPSTREAM_ID,
                self.partner,
                fetched.records,
                tuple(RESOURCES.values()),
                tuple(fetched.rejected),
            )
        ]


def hubspot_upstream(
    partner: str,
    settings: HubSpotSettings,
    *,
    profile_name: str = "NAME",
    token: Callable[[], str] = hubspot_token,
) -> HubSpotUpstream:
    """The upstream a `partnerops server` pulls HubSpot with; raises NoHubSpotToken."""
    return HubSpotUpstream(partner, settings, hubspot_client(token(), settings), profile_name)
