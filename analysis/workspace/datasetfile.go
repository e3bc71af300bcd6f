package workspace

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/journey/journeystore"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// datasetSuffix names the file, next to the database, that keeps the
// encoded journey Dataset between runs: building it from the store is one
// ordered scan of every event (minutes for tens of millions of events);
// opening it reads only its index.
const datasetSuffix = ".journeys"

// datasetCache keeps the Dataset of the store's current data version. For a
// database on disk the Dataset lives in the file <database>.journeys and
// every scan streams the events from it, so memory does not grow with the
// number of events; for an in-memory database it is held in memory. A
// Dataset is current when its version equals the store's DataVersion and
// it keeps every property key asked for; the file is reused under the same
// rule, and otherwise rebuilt by streaming the store into a temporary file
// renamed into place (so a reader never sees half a file). A file that
// cannot be read, is damaged or of an older format is rebuilt; when the
// directory cannot hold the file, the Dataset streams from an unnamed
// temporary file instead, and when no file can be written at all it is
// built in memory.
type datasetCache struct {
	mu sync.Mutex
	ds *journey.Dataset
	// builds counts the Datasets built by scanning the store.
	builds int
}

// get returns a Dataset of the store's current data keeping at least the
// property keys props (and those the previous Dataset kept).
func (c *datasetCache) get(ctx context.Context, st *store.Store, props ...string) (*journey.Dataset, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := st.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	if c.ds != nil && c.ds.Version == v && hasAll(c.ds.Properties(), props) {
		return c.ds, nil
	}
	keep := slices.Clone(props)
	if c.ds != nil {
		keep = append(keep, c.ds.Properties()...)
	}
	slices.Sort(keep)
	keep = slices.Compact(keep)
	path := datasetPath(st.Path())
	if path != "" {
		if d := openDatasetFile(path, v, keep); d != nil {
			c.ds = d
			return d, nil
		}
	}
	d, err := buildDataset(ctx, st, path, keep)
	if err != nil {
		return nil, err
	}
	c.builds++
	c.ds = d
	return d, nil
}

// close releases the Dataset's file.
func (c *datasetCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ds != nil {
		c.ds.Close()
		c.ds = nil
	}
}

// datasetPath is the Dataset file of the database at p, or "" for an
// in-memory database.
func datasetPath(p string) string {
	if p == "" || p == ":memory:" || strings.HasPrefix(p, "file:") || strings.Contains(p, "mode=memory") {
		return ""
	}
	return p + datasetSuffix
}

// openDatasetFile opens the Dataset in the file at path when the file
// holds data version v and keeps every property key of props; nil
// otherwise. A file of another version is removed, so that data a load or
// erase replaced does not stay on disk until the next build finishes.
func openDatasetFile(path string, v int64, props []string) *journey.Dataset {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	fv, err := journey.PeekVersion(f)
	f.Close()
	if err != nil {
		return nil
	}
	if fv != v {
		os.Remove(path)
		return nil
	}
	d, err := journey.OpenDataset(path)
	if err != nil {
		return nil
	}
	if d.Version != v || !hasAll(d.Properties(), props) {
		d.Close()
		return nil
	}
	return d
}

// buildDataset builds the Dataset of the store's data keeping props. With
// a path it streams the store into a temporary file in the same directory
// renamed to path; when that directory is not writable, or the rename
// fails, the Dataset streams from a temporary file that has no name left
// (it vanishes when closed). Without a path, or when no file can be
// written, the Dataset is built in memory.
func buildDataset(ctx context.Context, st *store.Store, path string, props []string) (*journey.Dataset, error) {
	if path == "" {
		return journeystore.Build(ctx, st, props...)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	named := err == nil
	if !named {
		if tmp, err = os.CreateTemp("", "workbench-journeys-*"); err != nil {
			return journeystore.Build(ctx, st, props...)
		}
	}
	name := tmp.Name()
	tmp.Close()
	d, err := journeystore.BuildFile(ctx, st, name, props...)
	if err != nil {
		os.Remove(name)
		if ctx.Err() != nil {
			return nil, err
		}
		// The file could not be written (a full disk): hold the
		// Dataset in memory rather than fail.
		return journeystore.Build(ctx, st, props...)
	}
	if !named || os.Rename(name, path) != nil {
		os.Remove(name) // the open Dataset keeps reading it
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

// RemoveDatasetFile deletes the persisted journey copy of the database at
// dbPath, and any temporary copy a killed write left beside it, so that
// data erased from the store does not survive on disk. A missing file is
// not an error; the next Dataset call rebuilds the copy from the store.
func RemoveDatasetFile(dbPath string) error {
	path := datasetPath(dbPath)
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmps, _ := filepath.Glob(path + ".tmp*")
	for _, t := range tmps {
		if err := os.Remove(t); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
