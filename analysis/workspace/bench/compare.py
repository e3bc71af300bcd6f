"""The analyst's version of the exploratory scan, with pandas: read the
events once from the workbench's SQLite file, then sort, shift and group by
to get the directly-follows counts (by event type), the top variants and
the three-step funnel (earliest Product Viewed, then the earliest Product
Added after it, then the earliest Order Completed after that; ties in
(time, load order)). Prints JSON with the results and the timings."""
import json, sqlite3, sys, time

import pandas as pd

db, out = sys.argv[1], sys.argv[2]
t0 = time.time()
con = sqlite3.connect(db)
labels = dict(con.execute("SELECT id, label FROM labels WHERE kind = 2").fetchall())
df = pd.read_sql_query("SELECT customer_id, ts, seq, type_id FROM events", con)
t_read = time.time() - t0

t1 = time.time()
df = df.sort_values(["customer_id", "ts", "seq"], kind="stable")
df["type"] = df["type_id"].map(labels)
prev_c = df["customer_id"].shift()
prev_t = df["type"].shift()
same = prev_c == df["customer_id"]
edges = (pd.DataFrame({"a": prev_t[same], "b": df["type"][same]})
         .groupby(["a", "b"]).size())
variants = df.groupby("customer_id", sort=False)["type"].agg(tuple).value_counts()
funnel = []
cur = df[df["type"] == "Product Viewed"].groupby("customer_id", sort=False)[["ts", "seq"]].first()
funnel.append(len(cur))
for step in ["Product Added", "Order Completed"]:
    s = df[df["type"] == step].join(cur, on="customer_id", rsuffix="_prev", how="inner")
    after = (s["ts"] > s["ts_prev"]) | ((s["ts"] == s["ts_prev"]) & (s["seq"] > s["seq_prev"]))
    cur = s[after].groupby("customer_id", sort=False)[["ts", "seq"]].first()
    funnel.append(len(cur))
t_compute = time.time() - t1
res = {
    "edges": {f"{a}>{b}": int(n) for (a, b), n in edges.items()},
    "distinct_variants": int(len(variants)),
    "top_variants": [{"steps": list(k), "journeys": int(v)} for k, v in variants.head(10).items()],
    "funnel": funnel,
    "read_s": t_read, "compute_s": t_compute, "total_s": t_read + t_compute,
}
json.dump(res, open(out, "w"))
