"""Notification channel configuration and decision subjects."""

from __future__ import annotations

import pytest

from linkvet.acting.decisions import check_outreach_status, normalise_subject
from linkvet.acting.notify import NotifyConfig
from linkvet.errors import ConfigError, InputError


def test_one_channel_from_values() -> None:
    assert NotifyConfig.from_values() is None
    cfg = NotifyConfig.from_values(slack_webhook_url="https://hooks.slack.com/services/x")
    assert cfg is not None and cfg.kind == "slack"
    with pytest.raises(ConfigError, match="configure one alert channel"):
        NotifyConfig.from_values(webhook_url="https://a", email_url="mailtos://b")
    with pytest.raises(ConfigError, match="mailto:// or mailtos://"):
        NotifyConfig("email", "https://smtp.example")


def test_subjects() -> None:
    assert normalise_subject(" Domain:Spam.Example ") == "domain:spam.example"
    assert normalise_subject("ABCDEF0123456789abcd") == "abcdef0123456789abcd"
    with pytest.raises(InputError, match=r"domain:spam\.example"):
        normalise_subject("domain:www.spam.example")
    with pytest.raises(InputError, match="neither a link id"):
        normalise_subject("https://spam.example/")
    # The domain as resolved links carry it (WHATWG's IDNA, where ß is kept, not made "ss").
    assert normalise_subject("domain:Straße.example.") == "domain:xn--strae-oqa.example"
    # a blog on a hosting platform is its own site (the suffix list's private section)
    assert normalise_subject("domain:Spammer.Blogspot.com") == "domain:spammer.blogspot.com"
    with pytest.raises(InputError, match=r"domain:spammer\.blogspot\.com"):
        normalise_subject("domain:www.spammer.blogspot.com")
    with pytest.raises(InputError, match=r"write a domain as domain:example\.com"):
        normalise_subject("domain:spam.example/page")
    with pytest.raises(InputError, match="contacted, replied"):
        check_outreach_status("ghosted")
