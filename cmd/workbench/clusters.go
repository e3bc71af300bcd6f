package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/segment"
	"github.com/journeyworkbench/workbench/analysis/workspace"
)

func init() {
	c := &command{
		name:    "clusters",
		summary: "behavioural clusters: k-means on standardised customer features, k by silhouette",
		usage:   "[--db FILE] [--k K] [--kmax N] [--columns C,…] [--segment S] [--seed N] [--who CLUSTER] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runClusters(c, args, stdout) }
	register(c)
}

const clustersHelp = `
k-means (k-means++ seeding, Lloyd iterations, best of --restarts by inertia)
on the feature columns standardised to z-scores (population sd, as
scikit-learn's StandardScaler); --k 0 tries k = 2..--kmax and keeps the
highest mean silhouette (b − a)/max(a, b). Centres are shown in the
features' own units. --who C lists the customers of cluster C.`

func runClusters(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, clustersHelp, stdout)
	db := dbFlag(fs)
	format := formatFlag(fs)
	k := fs.Int("k", 0, "number of clusters (0: choose by silhouette)")
	kmax := fs.Int("kmax", 8, "largest k tried when --k is 0")
	restarts := fs.Int("restarts", 10, "k-means++ restarts per k")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same clusters)")
	var cols listFlag
	fs.Var(&cols, "columns", "feature columns (default: "+fmt.Sprint(workspace.DefaultClusterColumns)+"); see segment feature names")
	seg := fs.String("segment", "", "cluster only the customers of this segment (name or expression), e.g. 'size(traits) > 0'")
	who := fs.String("who", "", "list the customers of this cluster (0-based) instead")
	limit := fs.Int("limit", 100, "with --who: list at most this many customers (0: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	ctx := context.Background()
	w, err := openWorkspace(*db)
	if err != nil {
		return err
	}
	defer w.Close()
	opt := workspace.ClusterOptions{Columns: cols, Segment: *seg,
		KMeansOptions: segment.KMeansOptions{K: *k, KMax: *kmax, NInit: *restarts, Seed: *seed}}
	cl, err := w.Cluster(ctx, opt)
	if err != nil {
		return err
	}
	if *who != "" {
		n, err := strconv.Atoi(*who)
		if err != nil {
			return fmt.Errorf("%w: --who %q: give a cluster number", errUsage, *who)
		}
		r, err := w.WhoCluster(ctx, cl, n, *limit)
		if err != nil {
			return err
		}
		return printWho(stdout, r, *format)
	}
	colNames := cl.Columns
	t := report.New(append([]string{"cluster", "customers", "share"}, colNames...)...)
	n := len(cl.Assign)
	for i := 0; i < cl.K; i++ {
		row := []any{i, cl.Sizes[i], float64(cl.Sizes[i]) / float64(n)}
		for _, v := range cl.CentroidsOriginal[i] {
			row = append(row, v)
		}
		t.Add(row...)
	}
	if *format == "table" {
		fmt.Fprintf(stdout, "k = %d over %d customers, silhouette %.4f, inertia %.1f\n", cl.K, n, cl.Silhouette, cl.Inertia)
	}
	return printTable(stdout, t, *format)
}
