"""Run one crawl in this process: ``python -m spiders.run --requests FILE --landing DIR``.

Scrapy's reactor cannot restart inside a process, so flows and the CLI start this module as a
child process (a fresh interpreter — never a fork of a process holding DuckDB). The child reads
linkvet's settings from the environment like any edge, plus ``--settings-json`` overrides, and
writes the crawl's stats as JSON to ``--stats-out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.misc import load_object

from linkvet.settings import Settings
from spiders import settings as project_settings
from spiders.settings import from_linkvet

SPIDERS: dict[str, str] = {
    "verify": "spiders.verify.VerifySpider",
    "bare": "spiders.bare.BareSpider",
}


def scrapy_settings(
    settings: Settings,
    *,
    requests: str | None,
    landing: str | None,
    kafka: bool,
    extra: dict[str, Any] | None = None,
) -> ScrapySettings:
    out = ScrapySettings()
    out.setmodule(project_settings, priority="project")
    derived = from_linkvet(settings, landing_dir=landing, kafka=kafka)
    if requests:
        derived["LINKVET_REQUESTS_FILE"] = requests
    if kafka:
        derived["LINKVET_SOURCE"] = "kafka"
    derived.update(extra or {})
    out.setdict(derived, priority="cmdline")
    return out


def run(
    settings: Settings,
    *,
    requests: str | None,
    landing: str | None,
    kafka: bool = False,
    extra: dict[str, Any] | None = None,
    spider: str = "verify",
) -> dict[str, Any]:
    process = CrawlerProcess(
        scrapy_settings(settings, requests=requests, landing=landing, kafka=kafka, extra=extra),
        install_root_handler=True,
    )
    # Scrapy applies LOG_LEVEL in its log handler only: every DEBUG record (a few per page) is
    # still built, then dropped. The level on the root logger skips that work.
    logging.getLogger().setLevel(process.settings.get("LOG_LEVEL"))
    crawler = process.create_crawler(load_object(SPIDERS[spider]))
    cpu: dict[str, float] = {}
    # CPU seconds of this process while the spider is open (start-up and imports excluded):
    # the figure benchmarks compare on shared, noisy machines.
    def opened() -> None:
        cpu["open"] = time.process_time()

    def closed() -> None:
        cpu["closed"] = time.process_time()

    # Receivers are weakly referenced: these locals keep them alive during the crawl.
    crawler.signals.connect(opened, signal=signals.spider_opened)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler)
    process.start()
    assert crawler.stats is not None
    if "open" in cpu and "closed" in cpu:
        crawler.stats.set_value("linkvet/cpu_seconds", round(cpu["closed"] - cpu["open"], 3))
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in crawler.stats.get_stats().items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", help="JSON-lines file of CrawlRequest")
    parser.add_argument("--landing", help="landing folder for LinkCheck batches")
    parser.add_argument("--kafka", action="store_true", help="consume requests from Kafka")
    parser.add_argument("--stats-out", help="write the crawl stats here as JSON")
    parser.add_argument("--settings-json", default="{}", help="linkvet settings (JSON, or @FILE)")
    parser.add_argument("--scrapy-json", default="{}", help="extra Scrapy settings")
    parser.add_argument("--spider", default="verify", choices=sorted(SPIDERS))
    args = parser.parse_args(argv)
    raw = args.settings_json
    if raw.startswith("@"):
        raw = Path(raw[1:]).read_text(encoding="utf-8")
    settings = Settings(**json.loads(raw))
    logging.getLogger("scrapy.core.scraper").setLevel(logging.WARNING)
    stats = run(
        settings,
        requests=args.requests,
        landing=args.landing,
        kafka=args.kafka,
        extra=json.loads(args.scrapy_json),
        spider=args.spider,
    )
    if args.stats_out:
        Path(args.stats_out).write_text(json.dumps(stats, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
