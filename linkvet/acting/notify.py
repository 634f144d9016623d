"""Where alert notifications go: one notification channel from configuration.

linkvet raises alerts as Prefect events (``linkvet.alert.raised``, resource
``linkvet.alert.<id>``); a Prefect automation sends each to a notification block built from a
:class:`NotifyConfig`. The message templates are Jinja, rendered by Prefect with the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from linkvet.errors import ConfigError

ALERT_EVENT = "linkvet.alert.raised"
NotifyKind = Literal["webhook", "slack", "email"]

_FIELD = "event.payload['alert']"
DEFAULT_SUBJECT = ("linkvet {{ " + _FIELD + "['severity'] }}: {{ " + _FIELD + "['kind'] }} on "
                   "{{ " + _FIELD + "['target'] }}")
DEFAULT_BODY = "\n".join(
    f"{name}: {{{{ {_FIELD}['{name}'] }}}}"
    for name in ("alert_id", "kind", "severity", "subject", "target", "evidence_day"))


def alert_resource_id(alert_id: str) -> str:
    return f"linkvet.alert.{alert_id}"


@dataclass(frozen=True)
class NotifyConfig:
    """One notification channel.

    - ``webhook``: ``url`` receives a JSON POST ``{"subject": ..., "body": ...}``;
    - ``slack``: ``url`` is a Slack incoming-webhook URL;
    - ``email``: ``url`` is an Apprise mail URL (``mailtos://user:pass@smtp.example.com?to=``
      ``ops@example.com``).

    ``allow_private_urls`` lets the block post to loopback/private addresses (off by default:
    Prefect refuses them, which protects the server from SSRF).
    """

    kind: NotifyKind
    url: str
    block_name: str = "linkvet-alerts"
    subject: str = DEFAULT_SUBJECT
    body: str = DEFAULT_BODY
    allow_private_urls: bool = False

    def __post_init__(self) -> None:
        scheme = self.url.split(":", 1)[0].lower() if ":" in self.url else ""
        allowed = {"webhook": ("http", "https"), "slack": ("https",),
                   "email": ("mailto", "mailtos")}[self.kind]
        if scheme not in allowed:
            raise ConfigError(
                f"alert notifications of kind {self.kind!r} need a URL starting with "
                f"{' or '.join(s + '://' for s in allowed)}; got {self.url[:40]!r}. Set "
                "LINKVET_ALERT_WEBHOOK_URL, LINKVET_ALERT_SLACK_WEBHOOK_URL or "
                "LINKVET_ALERT_EMAIL_URL accordingly.")
        if not self.block_name or not all(c.isalnum() or c == "-" for c in self.block_name) \
                or self.block_name != self.block_name.lower():
            raise ConfigError(f"block name {self.block_name!r} must be lowercase letters, "
                              "digits and dashes")

    @classmethod
    def from_values(cls, *, webhook_url: str | None = None, slack_webhook_url: str | None = None,
                    email_url: str | None = None, allow_private_urls: bool = False
                    ) -> NotifyConfig | None:
        """The one configured channel (None when none is); more than one is an error."""
        given = [(k, v) for k, v in (("webhook", webhook_url), ("slack", slack_webhook_url),
                                     ("email", email_url)) if v]
        if not given:
            return None
        if len(given) > 1:
            raise ConfigError("configure one alert channel: "
                              f"{', '.join(k for k, _ in given)} are all set")
        kind, url = given[0]
        return cls(kind, url, allow_private_urls=allow_private_urls)  # type: ignore[arg-type]
