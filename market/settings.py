"""Typed settings read from the environment (prefix ``MARKET_``).

Nothing here runs at import time: call :func:`load_settings` (or build :class:`Settings`
directly in tests) and hand the object to :func:`market.app.create_app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of the marketplace; see the configuration table in the README."""

    model_config = SettingsConfigDict(env_prefix="MARKET_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/market.sqlite3",
        description="sqlite:///relative/or/absolute/path or postgresql://user@host:port/db",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="The address people open; used in e-mailed links."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    debug: bool = False
    secure_cookies: bool = Field(
        default=False, description="Mark cookies Secure (set true when served over TLS)."
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    invitation_days: int = Field(default=7, ge=1, le=60)
    secret_key: str = Field(
        default="",
        description="Key for CSRF tokens. Empty: a random key is made at start (sessions survive, "
        "open forms do not, across restarts).",
    )
    assessment_valid_days: int = Field(default=365, ge=1, le=3 * 365)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=10 * 1024 * 1024)
    login_throttle_free_attempts: int = Field(default=5, ge=1)
    login_throttle_max_delay_seconds: int = Field(default=60, ge=1)
    sqlite_readers: int = Field(default=4, ge=1, le=32)
    postgres_pool_size: int = Field(default=10, ge=1, le=100)
    default_locale: Literal["en", "es", "pt"] = "en"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line, for log collectors."
    )
    redis_url: str = Field(
        default="",
        description="redis://host:port/db: live events, the login throttle and other shared state "
        "between several server processes. Empty: kept in this process (one process only).",
    )
    redis_namespace: str = Field(
        default="market",
        pattern=r"^[A-Za-z0-9_.-]{1,40}$",
        description="Prefix of this site's Redis keys and channels.",
    )
    workers: int = Field(default=1, ge=1, le=64, description="Server processes `serve` starts.")
    ocds_prefix: str = Field(
        default="ocds-smemkt",
        pattern=r"^ocds-[a-z0-9]{6}$",
        description="The OCID prefix registered with the Open Contracting Partnership; every "
        "RFQ's open-data id starts with it.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in {"sqlite", "postgres", "postgresql"}:
            raise ValueError("MARKET_DATABASE_URL must start with sqlite:/// or postgresql://")
        return value

    @property
    def invitation_url(self) -> str:
        """Where invited people enter their code (the code itself is never put in a URL)."""
        return self.public_url.rstrip("/") + "/invitations/accept"

    @property
    def is_sqlite(self) -> bool:
        return urlsplit(self.database_url).scheme == "sqlite"

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file; relative paths are taken from the project root."""
        raw = self.database_url.removeprefix("sqlite:///")
        path = Path(raw)
        return path if path.is_absolute() else PROJECT_ROOT / path


def load_settings() -> Settings:
    """Read the settings from the environment."""
    return Settings()
