"""Review decisions and outreach: what may be decided about what.

A subject is one link (its id, as in ``backlinks.link_id``) or a whole linking domain
(``domain:example.com``, the registrable domain). Decisions keep their history; the latest per
subject wins.
"""

from __future__ import annotations

import re
from typing import Literal

from linkvet.errors import InputError
from linkvet.urls import HOST_NAME, ascii_host, registrable_domain

Action = Literal["keep", "whitelist", "remove", "disavow"]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]
OutreachStatus = Literal["contacted", "replied", "removed", "refused", "no_answer"]
OUTREACH_STATUSES: tuple[str, ...] = OutreachStatus.__args__  # type: ignore[attr-defined]

_LINK_ID = re.compile(r"^[0-9a-f]{20}$")

def normalise_subject(subject: str) -> str:
    """``domain:<registrable domain>`` or a link id; anything else is refused with the fix."""
    value = subject.strip()
    if value.lower().startswith("domain:"):
        # The ASCII form resolved URLs carry, so that the subject names the same domain as
        # the links it covers (a host that is not a domain name stays as typed and is refused).
        host = ascii_host(value[len("domain:"):].strip())
        if not HOST_NAME.match(host):
            raise InputError(f"{subject!r}: write a domain as domain:example.com")
        domain = registrable_domain(host)
        if domain != host:
            raise InputError(f"{subject!r}: decide on the registrable domain, "
                             f"domain:{domain} (it covers {host})")
        return f"domain:{domain}"
    if _LINK_ID.match(value.lower()):
        return value.lower()
    raise InputError(f"{subject!r} is neither a link id (20 hex characters, see `linkvet "
                     "report` or the v_links view) nor domain:example.com")


def check_action(action: str) -> Action:
    if action not in ACTIONS:
        raise InputError(f"action {action!r}: use one of {', '.join(ACTIONS)}")
    return action  # type: ignore[return-value]


def check_outreach_status(status: str) -> OutreachStatus:
    if status not in OUTREACH_STATUSES:
        raise InputError(f"outreach status {status!r}: use one of {', '.join(OUTREACH_STATUSES)}")
    return status  # type: ignore[return-value]


def check_text(name: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise InputError(f"--{name} must not be empty: say who decided and why")
    return text
