-- The exploratory scan in SQL, as an analyst would write it against the
-- workbench's database: directly-follows counts by event type with LAG()
-- over each customer's events ordered by (time, load order), the top
-- variants with group_concat over the same order, and the three-step
-- funnel (earliest Product Viewed, earliest Product Added after it,
-- earliest Order Completed after that).
.mode list
.separator "\t"
.output /dev/null
CREATE TEMP TABLE t_label AS SELECT id, label FROM labels WHERE kind = 2;
.output stdout
SELECT 'edge', a.label || '>' || b.label, n FROM (
	SELECT prev, type_id, count(*) AS n FROM (
		SELECT type_id, LAG(type_id) OVER (PARTITION BY customer_id ORDER BY ts, seq) AS prev FROM events)
	WHERE prev IS NOT NULL GROUP BY prev, type_id) e
	JOIN t_label a ON a.id = e.prev JOIN t_label b ON b.id = e.type_id;
SELECT 'variants', count(*) FROM (SELECT v FROM (
	SELECT customer_id, group_concat(type_id, ',') AS v FROM (SELECT customer_id, type_id FROM events ORDER BY customer_id, ts, seq)
	GROUP BY customer_id) GROUP BY v);
WITH
s1 AS (SELECT c, t, q FROM (SELECT customer_id AS c, ts AS t, seq AS q,
	row_number() OVER (PARTITION BY customer_id ORDER BY ts, seq) AS r
	FROM events WHERE type_id = (SELECT id FROM t_label WHERE label = 'Product Viewed')) WHERE r = 1),
s2 AS (SELECT c, t, q FROM (SELECT e.customer_id AS c, e.ts AS t, e.seq AS q,
	row_number() OVER (PARTITION BY e.customer_id ORDER BY e.ts, e.seq) AS r
	FROM events e JOIN s1 ON e.customer_id = s1.c AND (e.ts, e.seq) > (s1.t, s1.q)
	WHERE e.type_id = (SELECT id FROM t_label WHERE label = 'Product Added')) WHERE r = 1),
s3 AS (SELECT c FROM (SELECT e.customer_id AS c,
	row_number() OVER (PARTITION BY e.customer_id ORDER BY e.ts, e.seq) AS r
	FROM events e JOIN s2 ON e.customer_id = s2.c AND (e.ts, e.seq) > (s2.t, s2.q)
	WHERE e.type_id = (SELECT id FROM t_label WHERE label = 'Order Completed')) WHERE r = 1)
SELECT 'funnel', (SELECT count(*) FROM s1), (SELECT count(*) FROM s2), (SELECT count(*) FROM s3);
