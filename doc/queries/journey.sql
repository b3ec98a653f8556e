-- the events of one journey: the first one of skb 0x7c2be670 in capture 1 (the text report
-- names it "journey N: skb 0x7c2be670 (capture 1)"), timed from its first event
WITH j AS (  -- journeys: one skb, until it is freed or silent for 100 ms
  SELECT *, sum(prev_ts IS NULL OR ts_ns - prev_ts > 100000000
                OR prev_name IN ('skb:kfree_skb', 'skb:consume_skb'))
              OVER (PARTITION BY capture_id, skb ORDER BY ts_ns, id) AS nth
  FROM (SELECT *, lag(ts_ns) OVER s AS prev_ts, lag(name) OVER s AS prev_name
        FROM events WHERE skb IS NOT NULL
        WINDOW s AS (PARTITION BY capture_id, skb ORDER BY ts_ns, id)))
SELECT (ts_ns - first_value(ts_ns) OVER w) / 1000.0 AS t_us, name, dev, len,
       json_extract(fields, '$.reason') AS reason
FROM j WHERE capture_id = 1 AND skb = 0x7c2be670 AND nth = 1
WINDOW w AS (ORDER BY ts_ns, id) ORDER BY ts_ns, id
