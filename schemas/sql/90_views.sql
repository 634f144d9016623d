-- BI views: the stable, documented reading surface (docs/bi.md). Columns are only ever added,
-- never renamed or removed, within a major version.

CREATE OR REPLACE VIEW v_links AS
SELECT b.link_id, b.source_url, b.source_domain, b.target_url, b.target_domain,
       st.status, st.lost_at, st.lost_reason, st.last_checked, st.last_live,
       g.link_present, g.follow, g.nofollow, g.sponsored, g.ugc, g.placement, g.js_only,
       g.anchor, g.anchor_class, g.server_ip, g.relevance, g.authority,
       s.score, s.tier, s.toxic, s.model_version,
       e.markers,
       list_transform(e.reasons, lambda r: r.text) AS reasons,
       d.action AS decision, d.who AS decided_by, d.decided_at,
       b.first_seen, b.metrics
FROM backlinks b
LEFT JOIN link_state st USING (link_id)
LEFT JOIN link_signals g USING (link_id)
LEFT JOIN link_scores s USING (link_id)
LEFT JOIN link_scores_explained e USING (link_id)
LEFT JOIN current_decisions d ON d.subject = b.link_id;

CREATE OR REPLACE VIEW v_referring_domains AS
SELECT r.target_domain, r.source_domain, r.links, r.live_links, r.lost_links,
       r.followed_links, r.best_score, r.avg_score, r.best_tier, r.toxic_links,
       r.first_seen, r.last_live,
       d.action AS decision, d.who AS decided_by, d.decided_at
FROM referring_domains r
LEFT JOIN current_decisions d ON d.subject = 'domain:' || r.source_domain;

CREATE OR REPLACE VIEW v_anchor_distribution AS
WITH counted AS (
    SELECT target_domain, coalesce(anchor_class, 'unknown') AS anchor_class,
           count(*) AS links, count(*) FILTER (WHERE status = 'live') AS live_links
    FROM link_signals
    GROUP BY 1, 2
)
SELECT target_domain, anchor_class, links, live_links,
       round(live_links / nullif(sum(live_links) OVER (PARTITION BY target_domain), 0), 4)
           AS live_share
FROM counted;

CREATE OR REPLACE VIEW v_daily_metrics AS
SELECT target, day, referring_domains, live_links, new_links, lost_links,
       new_referring_domains, lost_referring_domains, new_relevant_domains,
       high_links, medium_links, low_links, toxic_links, followed_links, nofollow_links,
       anchor_mix, exact_anchor_share, link_velocity_7d, domain_velocity_7d,
       referral_traffic, conversions
FROM daily_metrics;

CREATE OR REPLACE VIEW v_alerts AS
SELECT alert_id, kind, severity, subject, target, evidence_day, evidence, created_at, status,
       acknowledged_at, acknowledged_by
FROM alerts;
