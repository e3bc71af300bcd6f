package workspace

import (
	"context"
	"errors"
	"io"
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
// ordered scan of every event (minutes for tens of millions of events),
// reading it back is a sequential read of the file.
const datasetSuffix = ".journeys"

// datasetCache keeps the Dataset of the store's current data version in
// memory and, for a database on disk, in the file <database>.journeys. A
// Dataset is current when its version equals the store's DataVersion and
// it keeps every property key asked for; the file is reused under the same
// rule and rewritten (to a temporary file renamed into place, so a reader
// never sees half a file) after every build. A file that cannot be read,
// is damaged, or cannot be written is ignored: the Dataset is then built
// from the store as if there were no file.
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
		if d := readDatasetFile(path, v, keep); d != nil {
			c.ds = d
			return d, nil
		}
	}
	d, err := journeystore.Build(ctx, st, keep...)
	if err != nil {
		return nil, err
	}
	c.builds++
	c.ds = d
	if path != "" {
		writeDatasetFile(path, d)
	}
	return d, nil
}

// datasetPath is the Dataset file of the database at p, or "" for an
// in-memory database.
func datasetPath(p string) string {
	if p == "" || p == ":memory:" || strings.HasPrefix(p, "file:") || strings.Contains(p, "mode=memory") {
		return ""
	}
	return p + datasetSuffix
}

// readDatasetFile returns the Dataset in the file at path when the file
// holds data version v and keeps every property key of props; nil
// otherwise. A file of another version is removed, so that data a load or
// erase replaced does not stay on disk until the next build finishes.
func readDatasetFile(path string, v int64, props []string) *journey.Dataset {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fv, err := journey.PeekVersion(f)
	if err != nil {
		return nil
	}
	if fv != v {
		os.Remove(path)
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil
	}
	d, err := journey.ReadDataset(f)
	if err != nil || d.Version != v || !hasAll(d.Properties(), props) {
		return nil
	}
	return d
}

// writeDatasetFile writes d to path through a temporary file in the same
// directory renamed into place. It gives up silently (leaving no temporary
// file) when the directory is not writable or the write fails: the file
// only saves time.
func writeDatasetFile(path string, d *journey.Dataset) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return
	}
	_, err = d.WriteTo(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
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
