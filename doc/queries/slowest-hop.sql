-- the slowest hop of each journey shape (the devices a journey went through, in order)
WITH j AS (  -- journeys: one skb, until it is freed or silent for 100 ms
  SELECT *, sum(prev_ts IS NULL OR ts_ns - prev_ts > 100000000
                OR prev_name IN ('skb:kfree_skb', 'skb:consume_skb'))
              OVER (PARTITION BY capture_id, skb ORDER BY ts_ns, id) AS nth
  FROM (SELECT *, lag(ts_ns) OVER s AS prev_ts, lag(name) OVER s AS prev_name
        FROM events WHERE skb IS NOT NULL
        WINDOW s AS (PARTITION BY capture_id, skb ORDER BY ts_ns, id))),
hops AS (
  SELECT capture_id, skb, nth,
         row_number() OVER w AS pos,
         coalesce(lag(dev) OVER w, '') || ' > ' || coalesce(dev, name) AS hop,
         ts_ns - lag(ts_ns) OVER w AS dt_ns,
         group_concat(coalesce(dev, name), ' ') OVER (PARTITION BY capture_id, skb, nth
           ORDER BY ts_ns, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS shape
  FROM j WINDOW w AS (PARTITION BY capture_id, skb, nth ORDER BY ts_ns, id)),
per_hop AS (
  SELECT shape, pos, hop, count(*) AS journeys, avg(dt_ns) / 1000.0 AS avg_us,
         max(dt_ns) / 1000.0 AS max_us
  FROM hops WHERE dt_ns IS NOT NULL GROUP BY shape, pos)
SELECT journeys, hop AS slowest_hop, round(avg_us, 1) AS avg_us, round(max_us, 1) AS max_us, shape
FROM (SELECT *, row_number() OVER (PARTITION BY shape ORDER BY avg_us DESC) AS r FROM per_hop)
WHERE r = 1 ORDER BY journeys DESC, avg_us DESC
