// Package journeystore feeds the journey scan from the store: it streams
// the store's events (ordered by customer, time, then load order) into
// journey.Build (in memory) or journey.BuildFile (a file that scans stream
// from), and caches the encoded Dataset per data version.
package journeystore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// Source streams every event of s in the store's journey order.
func Source(ctx context.Context, s *store.Store) journey.Source {
	return func(yield func(journey.Event) error) error {
		return s.ScanEvents(ctx, func(r *store.EventRow) error {
			return yield(journey.Event{
				Customer: r.Customer, Time: r.Time,
				Channel: r.Channel, Type: r.Type, Campaign: r.Campaign,
				Revenue: r.Revenue, HasRevenue: r.HasRevenue, Props: r.Props,
			})
		})
	}
}

// Build encodes every event of s, keeping the property keys props, and
// stamps the Dataset with the data version read before the scan (the scan
// reads one consistent snapshot; if a load commits meanwhile, the version
// moves on and a cache of the dataset, such as analysis/workspace's,
// rebuilds).
func Build(ctx context.Context, s *store.Store, props ...string) (*journey.Dataset, error) {
	v, err := s.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	return journey.Build(ctx, Source(ctx, s), journey.BuildOptions{Properties: props, Version: v})
}

// BuildFile streams every event of s, keeping the property keys props,
// into the Dataset file at path (see journey.BuildFile: one block of
// events in memory at a time) and returns the Dataset reading from it,
// stamped with the data version read before the scan.
func BuildFile(ctx context.Context, s *store.Store, path string, props ...string) (*journey.Dataset, error) {
	v, err := s.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	return journey.BuildFile(ctx, Source(ctx, s), path, journey.BuildOptions{Properties: props, Version: v})
}

// Load returns the Dataset of the store's current data, reading its
// events from the file at path: the file is used when it holds the current
// data version and the property keys props, otherwise the Dataset is built
// from the store into a temporary file renamed to path (so readers never
// see half a file). A file of an older format is rebuilt.
func Load(ctx context.Context, s *store.Store, path string, props ...string) (*journey.Dataset, error) {
	v, err := s.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	if d, err := journey.OpenDataset(path); err == nil {
		if d.Version == v && hasAll(d.Properties(), props) {
			return d, nil
		}
		d.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("write the journey cache next to %s: %w", path, err)
	}
	tmp.Close()
	d, err := BuildFile(ctx, s, tmp.Name(), props...)
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("write the journey cache %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		d.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return d, nil
}

func hasAll(have, want []string) bool {
	for _, p := range want {
		if !slices.Contains(have, p) {
			return false
		}
	}
	return true
}
