-- packets dropped, by the kernel's reason (skb:kfree_skb), and where
SELECT json_extract(fields, '$.reason') AS reason, count(*) AS drops,
       group_concat(DISTINCT json_extract(fields, '$.location')) AS locations
FROM events WHERE name = 'skb:kfree_skb'
GROUP BY reason ORDER BY drops DESC, reason
