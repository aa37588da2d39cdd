"""Settings read once from the environment; nothing else in Suara reads os.environ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
CONTACT_RETENTION_DAYS = 365


def _default_web_dist() -> Path:
    """`make run` builds the public pages into web/dist next to src/."""
    return PACKAGE_DIR.parents[1] / "web" / "dist"


def _default_model_path() -> Path:
    """The shipped model lives in the repository's models/ folder next to src/."""
    return PACKAGE_DIR.parents[1] / "models" / "default.skops"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str | None = None
    """PostgreSQL URL; when unset Suara starts its own server under ``suara_home``."""

    database_read_url: str | None = None
    """A streaming replica of DATABASE_URL for public reads (transparency, open data, Open311 lists,
    public lists); writes and a citizen's own tracking lookups always use the primary."""

    suara_home: Path = Path(".suara")
    """Folder for the embedded database and other local state."""

    suara_model_path: Path = _default_model_path()
    """The routing model file (.skops) loaded once at start-up."""

    suara_web_dist: Path = _default_web_dist()
    """The built public pages served at "/" (see web/)."""

    suara_max_body_bytes: int = 64 * 1024
    """Requests with a larger body are refused before they are parsed."""

    suara_photo_max_bytes: int = 8 * 1024 * 1024
    """One photo's upload at most; a multipart request may carry three of them (and nothing else may
    exceed ``suara_max_body_bytes``)."""

    suara_photo_max_pixels: int = 25_000_000
    """Photos with more pixels (width × height, read from the header before decoding) are refused."""

    suara_photo_decode_threads: int = 2
    """Photos decoded at once per process, each in a worker thread off the event loop (memory bound)."""

    suara_graphql_max_depth: int = 15
    """GraphQL documents nested deeper are refused before any resolver runs (introspection exempt)."""

    suara_graphql_max_aliases: int = 30
    suara_graphql_max_tokens: int = 2000
    """Longer GraphQL documents are refused while parsing."""

    suara_classifier_threads: int = 2
    """Routing classifications run in this many worker threads at most, off the event loop."""

    suara_classifier_process: bool = True
    """A server classifies in a process of its own (threads hold the interpreter lock the event loop
    needs); off: in threads only. Threads also stand in while the process starts or restarts."""

    suara_db_pool_size: int = 20
    """Database connections per server process (as many again may overflow briefly)."""

    suara_workers: int = 1
    """Server processes `suara serve` starts on one port (`--workers`); each has its own pool."""

    suara_jobs_interval_seconds: float = 60.0
    """How often `suara serve` runs overdue escalation, auto-close and the outbox; 0 turns it off."""

    suara_sender: str = "console"
    """The outbox gateway: console (development)."""

    suara_smtp_url: str | None = None
    """Where e-mail goes, e.g. smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465;
    when unset e-mail is written to the log (development)."""

    suara_mail_from: str = "Suara <noreply@suara.localhost>"
    """The From address of every e-mail Suara sends."""

    suara_sms_gateway: str = "console"
    """Where outgoing SMS go: console (development), http (generic JSON gateway) or twilio."""

    suara_sms_http_url: str | None = None
    suara_sms_http_token: str | None = None
    suara_twilio_account_sid: str | None = None
    suara_twilio_auth_token: str | None = None
    suara_twilio_from_number: str | None = None

    suara_sms_webhook_secret: str | None = None
    """Shared secret the SMS gateway signs inbound webhooks with (the Twilio auth token for Twilio);
    when unset it is derived from the server key and shown by `suara sms secret`."""

    suara_public_url: str | None = None
    """The URL the gateway calls us at, e.g. https://suara.example.id — Twilio signs the full URL."""

    suara_proposal_threshold: int = 100
    """Supports a citizen proposal needs before it goes to the agency's inbox."""

    suara_secret_key: str | None = None
    """Server key for derived secrets; when unset one is generated once under ``suara_home``."""

    suara_rate_limits: bool = True
    """Per-client rate limits. ``SUARA_RATE_LIMITS=off`` turns them all off — for tests and
    benchmarks only: it also lifts the limit on guessing staff passwords."""

    suara_rate_limit_submit_per_minute: int = 120
    """Submissions per network address (IPv6 per /64); many mobile users share one address."""

    suara_rate_limit_sms_filings_per_hour: int = 10
    """Filings by SMS per phone number."""

    suara_rate_limit_open311_writes_per_minute: int = 300
    """Open311 POST requests per API key (one key may serve many citizens)."""

    suara_rate_limit_map_per_minute: int = 240
    """Public map views (and Open311 radius searches) per network address: panning asks often, a flood does not."""

    suara_map_tiles: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    """Map tile URL template for Leaflet; the CSP's img-src allows its origin. Empty: no tiles (pins on a blank map)."""

    suara_map_attribution: str = "© OpenStreetMap contributors"
    """Shown on every map, as the tile provider requires."""

    suara_rate_limit_photo_adds_per_hour: int = 20
    """Photos added later (tracking code + secret) per network address: each costs a decode and a wrong
    secret costs a count, so nobody can try secrets or fill the disk quickly."""

    suara_rate_limit_signin_attempts: int = 5
    """Sign-in attempts per (account, address) per 5 minutes; twice that per hour, four times per day."""

    suara_rate_limit_signin_per_account_per_hour: int = 200
    """Ceiling over all addresses; high so that one attacker cannot lock an officer out."""

    suara_rate_limit_citizen_rights_per_hour: int = 60
    """Downloads, corrections and erasures of one's data per network address (each attempt counts, so
    guessing a tracking code's secret is slow as well as hopeless)."""

    suara_contact_retention_days: int = CONTACT_RETENTION_DAYS
    """Days after an item ends (closed or rejected) when the jobs erase its reporter's personal data."""

    suara_forwarded_allow_ips: str = ""
    """Proxies (IPs or CIDRs, comma-separated, or *) whose X-Forwarded-For/-Proto are believed;
    none by default, so a client cannot choose its own address."""

    suara_log_format: str = "text"
    """``text`` (one line per record, for people) or ``json`` (one JSON object per line, with the request id)."""

    suara_metrics_allow: str = "127.0.0.0/8,::1"
    """Addresses (IPs or CIDRs, comma-separated) that may read /metrics; others get 403."""

    prometheus_multiproc_dir: Path | None = None
    """Where prometheus-client keeps the metrics of several processes; `suara serve --workers N` sets it."""

    def resolved_home(self) -> Path:
        return self.suara_home.expanduser().resolve()


@lru_cache
def get_settings() -> Settings:
    return Settings()
