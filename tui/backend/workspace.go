package backend

import (
	"sync"

	"github.com/journeyworkbench/workbench/analysis/workspace"
)

// workspaces holds the one analysis workspace of each Backend, so that the
// encoded journeys and the features it caches per data version are shared
// by every screen of the program.
var workspaces sync.Map // *Backend → *workspace.Workspace

// Workspace returns the analysis workspace over the backend's store
// (workspace.New), created on first use and shared afterwards. The
// workspace caches the encoded journey dataset and the customers' features
// per data version, so re-running a journey analysis with another filter
// does not read the store again. Run its calls inside Run/RunLabel, never
// on the UI thread.
func (b *Backend) Workspace() *workspace.Workspace {
	if w, ok := workspaces.Load(b); ok {
		return w.(*workspace.Workspace)
	}
	w, _ := workspaces.LoadOrStore(b, workspace.New(b.st))
	return w.(*workspace.Workspace)
}
