-- Core tables: known backlinks and the append-only facts of every check.
-- Owned by the ingest path; columns are documented in docs/tables.md.

CREATE TABLE IF NOT EXISTS backlinks (
    link_id        VARCHAR PRIMARY KEY,
    source_url     VARCHAR NOT NULL,
    source_domain  VARCHAR NOT NULL,
    target_url     VARCHAR NOT NULL,
    target_domain  VARCHAR NOT NULL,
    anchor         VARCHAR,
    sources        VARCHAR[] NOT NULL,          -- tools that reported the link (ahrefs, semrush...)
    first_seen     TIMESTAMP,                   -- earliest first-seen date any tool reported
    last_seen      TIMESTAMP,                   -- latest last-seen date any tool reported
    nofollow       BOOLEAN,                     -- as the tool last saw it
    metrics        MAP(VARCHAR, DOUBLE),        -- third-party metrics (dr, ur, da, pa, tf, cf, ...)
    metrics_date   DATE,                        -- when those metrics were exported
    imported_at    TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS link_checks (
    check_id            VARCHAR PRIMARY KEY,
    request_id          VARCHAR NOT NULL,
    run_id              VARCHAR NOT NULL,
    link_id             VARCHAR NOT NULL,
    source_url          VARCHAR NOT NULL,
    target              VARCHAR NOT NULL,
    checked_at          TIMESTAMPTZ NOT NULL,
    check_date          DATE NOT NULL,
    outcome             VARCHAR NOT NULL,
    schema_version      VARCHAR NOT NULL,
    -- fetch facts
    status              INTEGER,
    final_url           VARCHAR,
    redirects           STRUCT(url VARCHAR, status INTEGER, kind VARCHAR)[],
    elapsed_ms          DOUBLE,
    bytes               BIGINT,
    content_type        VARCHAR,
    rendered            BOOLEAN,
    render_reason       VARCHAR,
    robots_allowed      BOOLEAN,
    error_kind          VARCHAR,
    error               VARCHAR,
    server_ip           VARCHAR,
    -- page facts
    title               VARCHAR,
    language            VARCHAR,
    canonical           VARCHAR,
    canonical_is_self   BOOLEAN,
    meta_robots         VARCHAR[],
    x_robots_tag        VARCHAR[],
    noindex             BOOLEAN,
    page_nofollow       BOOLEAN,
    word_count          INTEGER,
    outbound_links      INTEGER,
    outbound_domains    INTEGER,
    internal_links      INTEGER,
    text_fingerprint    VARCHAR,
    outbound_hosts      VARCHAR[],
    -- the primary occurrence of the link (see linkvet.facts_rules.primary_occurrence)
    link_present        BOOLEAN NOT NULL,
    occurrences         INTEGER NOT NULL,
    href                VARCHAR,
    link_url            VARCHAR,
    match_kind          VARCHAR,
    anchor_text         VARCHAR,
    anchor_kind         VARCHAR,
    rel                 VARCHAR[],
    follow              BOOLEAN,
    follow_cause        VARCHAR,
    placement           VARCHAR,
    hidden              BOOLEAN,
    hidden_reason       VARCHAR,
    js_only             BOOLEAN,
    text_before         VARCHAR,
    text_after          VARCHAR,
    link_density        DOUBLE,
    -- every occurrence, as recorded
    links               JSON
);

-- Parquet files of the lake that a committed ingest transaction owns (exactly-once bookkeeping).
CREATE TABLE IF NOT EXISTS lake_files (
    path          VARCHAR PRIMARY KEY,
    batch_id      VARCHAR NOT NULL,
    rows          BIGINT NOT NULL,
    committed_at  TIMESTAMPTZ NOT NULL
);

-- One row per verification run (embedded or Kafka mode).
CREATE TABLE IF NOT EXISTS runs (
    run_id        VARCHAR PRIMARY KEY,
    mode          VARCHAR NOT NULL,
    target        VARCHAR,
    requested     INTEGER NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL
);
