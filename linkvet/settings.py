"""Typed settings, read once at the edge (the CLI, a flow's entry, a spider's ``from_crawler``).

Sources, highest first: keyword arguments, ``LINKVET_*`` environment variables, an optional
``linkvet.toml`` (path from ``LINKVET_CONFIG`` or the working directory), defaults.
Nothing below the edges reads the environment: it is handed a :class:`Settings` or plain values.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from linkvet.errors import ConfigError

RenderMode = Literal["auto", "never", "always"]


class Settings(BaseSettings):
    """Every knob linkvet has, with safe defaults (as checked in, nothing private is fetched)."""

    model_config = SettingsConfigDict(
        env_prefix="LINKVET_",
        extra="ignore",
        toml_file="linkvet.toml",
        validate_default=True,
    )

    # storage
    data_dir: Path = Path("data")

    # crawling
    user_agent: str = "linkvet/0.1 (+https://github.com/linkvet/linkvet; backlink verifier)"
    concurrent_requests: int = Field(32, ge=1, le=1024)
    concurrent_per_domain: int = Field(2, ge=1, le=64)
    download_delay: float = Field(0.0, ge=0)
    download_timeout: float = Field(20.0, gt=0)
    max_page_bytes: int = Field(5_000_000, ge=10_000)
    max_redirects: int = Field(10, ge=0, le=50)
    href_redirect_hops: int = Field(3, ge=0, le=10)
    retry_times: int = Field(2, ge=0, le=10)
    obey_robots: bool = True
    autothrottle: bool = True
    render: RenderMode = "auto"
    chromium_path: str | None = None
    max_browser_pages: int = Field(4, ge=1, le=64)
    browser_restart_pages: int = Field(500, ge=10)
    proxy: str | None = None
    host_map: Path | None = Field(
        None, description="JSON {host: ip}: addresses of hosts fetched through a proxy"
    )
    allow_private: bool = False
    allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Kafka (Kafka mode when bootstrap_servers is set)
    kafka_bootstrap_servers: str | None = None
    kafka_topic_requests: str = "linkvet.crawl-requests"
    kafka_topic_checks: str = "linkvet.link-checks"
    kafka_topic_dead_letter: str = "linkvet.dead-letter"
    kafka_partitions: int = Field(12, ge=1)
    kafka_replication: int = Field(1, ge=1)
    kafka_retention_ms: int = Field(7 * 24 * 3600 * 1000, ge=60_000)
    kafka_group_workers: str = "linkvet-workers"
    kafka_group_ingest: str = "linkvet-ingest"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None

    # ingest
    ingest_batch_records: int = Field(5000, ge=1)

    # DuckDB: its buffer pool (query state, cached blocks) is capped here and spills to disk
    # beyond it, so the pipeline's memory does not grow with the store. DuckDB's own default
    # is 80% of the machine's RAM. Any DuckDB size, e.g. "512MB", "4GB".
    duckdb_memory_limit: str = Field("1GB", pattern=r"^\s*\d+(\.\d+)?\s*[KMGT]i?B\s*$")

    # judging
    lost_after_checks: int = Field(2, ge=1, le=30)
    brand_terms: Annotated[list[str], NoDecode] = Field(default_factory=list)
    money_keywords: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # orchestration
    nightly_cron_hour: int = Field(2, ge=0, le=23)
    timezone: str = "UTC"

    @field_validator("allow_hosts", "brand_terms", "money_keywords", mode="before")
    @classmethod
    def _split_csv(cls, value: Any) -> Any:
        if isinstance(value, str):
            # Comma-separated in the environment; a JSON list works too.
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("an empty data folder would be the working directory; give a "
                             "path, or unset it for ./data")
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap(cls, value: str | None) -> str | None:
        """``host:port`` entries, comma-separated (a URL scheme or a missing port made the
        client fail late, or wait half a minute)."""
        if value is None or not value.strip():
            return None
        for entry in value.split(","):
            host, colon, port = entry.strip().rpartition(":")
            if not (colon and host and "/" not in host and port.isdigit()
                    and 0 < int(port) < 65536):
                raise ValueError(f"{entry.strip()!r} is not host:port; write the brokers as "
                                 "host:port[,host:port...], as in localhost:9092")
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        """An http(s) proxy URL with a host and port (a malformed one made every fetch a
        transient failure, night after night)."""
        if value is None or not value.strip():
            return None
        head, sep, rest = value.strip().partition("://")
        hostport = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        host, colon, port = hostport.rpartition(":")
        if head.lower() not in ("http", "https") or not sep or not host \
                or not (colon and port.isdigit()):
            raise ValueError("write the proxy as http://host:port")
        return value

    @property
    def kafka_mode(self) -> bool:
        return bool(self.kafka_bootstrap_servers)

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "linkvet.duckdb"

    @property
    def snapshot_path(self) -> Path:
        return self.data_dir / "published" / "linkvet-snapshot.duckdb"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get("LINKVET_CONFIG", "linkvet.toml")
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
        )


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once; callers pass the object down instead of re-reading.

    Raises :class:`ConfigError` naming what to fix: a ``LINKVET_*`` variable or
    ``linkvet.toml`` key with a bad value, a key of ``linkvet.toml`` that is no setting (a
    typo would silently leave the default in force), a ``LINKVET_CONFIG`` that is not a file,
    a ``linkvet.toml`` that is not valid TOML."""
    config = os.environ.get("LINKVET_CONFIG")
    toml_path = Path(config or "linkvet.toml")
    if config and not toml_path.is_file():
        raise ConfigError(f"LINKVET_CONFIG={config!r} is not a file; point it at a "
                          "linkvet.toml or unset it")
    keys: set[str] = set()
    if toml_path.is_file():
        try:
            keys = set(tomllib.loads(toml_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(f"{toml_path} cannot be read as TOML ({exc}); fix it or move "
                              "it away") from None
    unknown = sorted(keys - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"{toml_path}: {', '.join(unknown)} is not a setting (top-level "
                          "keys are the setting names, as in LINKVET_<NAME> lower-cased; see "
                          "linkvet/settings.py)")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            value = error.get("input")
            where = (f"LINKVET_{name.upper()}={value!r}" if name not in keys
                     else f"{toml_path}: {name} = {value!r}")
            problems.append(f"{where}: {error['msg']}")
        raise ConfigError("invalid setting(s): " + "; ".join(problems)) from None


def settings_payload(settings: Settings) -> dict[str, Any]:
    """Every setting as plain JSON values, secrets revealed: for handing settings to a child
    process through a private file (never through argv or logs)."""
    data = settings.model_dump(mode="json")
    for name, value in settings:
        if isinstance(value, SecretStr):
            data[name] = value.get_secret_value()
    return data
