"""Scrapy item pipelines: validate LinkCheck items, then publish them (Kafka or landing files)."""
