// Package segment computes each customer's behavioural features, evaluates
// rule segments written in CEL (the Common Expression Language) over those
// features and the customer's traits and consents, finds behavioural
// clusters with k-means on standardised features, scores clusterings with
// the silhouette and the adjusted Rand index, and builds cohort retention
// matrices by first-event period.
//
// The package does no I/O and writes no SQL. The journey scan drives a
// FeatureBuilder (Begin, Add per event in time order, Finish) and a
// CohortBuilder (Begin, Event, End) customer by customer; the store saves
// segment Definitions by name.
//
// # Rule segments
//
// A segment is a boolean CEL expression over the Variables, for example
//
//	recency_days > 30 && orders >= 2
//	'sms' in channels && monetary > 100
//	traits.loyalty_tier == 'gold'
//
// Compile type-checks it (an expression that does not give a boolean is
// rejected) and reports every problem with its line and column. Reading a
// trait, consent or channel the customer does not have makes the
// expression not match, as NULL does in SQL; has(traits.x), 'sms' in
// channels and traits.?x.orValue("") test or default a missing key.
//
// # Clusters
//
// KMeans (or ClusterFeatures on Features) standardises each column to
// z-scores with the population standard deviation, runs k-means++ seeding
// and Lloyd iterations NInit times per k keeping the lowest inertia, and
// scores the result with the mean silhouette — exact up to
// SilhouetteSample rows (2,000 by default), on a seeded uniform sample of
// that many rows beyond. With K = 0 it picks k in [2, KMax] by the best
// silhouette. ARI compares two labelings (Hubert & Arabie).
//
// # Cohorts
//
// CohortBuilder groups customers by the UTC day, Monday-start week or
// month of their first event and counts, for each later period, the
// customers with at least one qualifying event in it.
package segment
