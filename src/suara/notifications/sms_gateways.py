"""SMS gateways for the outbox: one Protocol, chosen by configuration.

* ``console`` logs messages (development),
* ``http`` posts JSON to any gateway that takes ``{"to", "text"}`` with a bearer token,
* ``twilio`` speaks Twilio's Messages API (form post with basic auth), the shape most providers copy.

Each raises on failure so the outbox keeps the message and retries it with backoff.
"""

from __future__ import annotations

import httpx

from suara.common.gsm import segments
from suara.notifications.senders import Outgoing


class GatewayError(Exception):
    pass


class HttpSmsGateway:
    def __init__(self, url: str, token: str | None = None, client: httpx.AsyncClient | None = None):
        self.url = url
        self.token = token
        self.client = client or httpx.AsyncClient(timeout=10)

    async def send(self, message: Outgoing) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.client.post(self.url, headers=headers, json={
            "to": message.recipient, "text": message.body, "parts": len(segments(message.body)),
        })
        if response.status_code >= 300:
            raise GatewayError(f"gateway answered {response.status_code}: {response.text[:200]}")


class TwilioSmsGateway:
    API = "https://api.twilio.com"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *,
                 client: httpx.AsyncClient | None = None, base_url: str = API):
        self.account_sid = account_sid
        self.auth = (account_sid, auth_token)
        self.from_number = from_number
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=10)

    async def send(self, message: Outgoing) -> None:
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        response = await self.client.post(url, auth=self.auth, data={
            "To": message.recipient, "From": self.from_number, "Body": message.body,
        })
        if response.status_code >= 300:
            raise GatewayError(f"Twilio answered {response.status_code}: {response.text[:200]}")
