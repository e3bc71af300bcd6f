package workspace

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/journey"
)

// CustomerRef is one customer behind a cell: the unified customer id and
// the identifier that names it (store.PrimaryIdentities), written
// "type:value" so that it opens the customer's profile as is.
type CustomerRef struct {
	ID         int64  `json:"customer"`
	Identifier string `json:"identifier"`
}

// WhoResult lists the customers behind one cell: Total of them, the first
// len(Customers) by ascending id.
type WhoResult struct {
	Cell      string        `json:"cell"`
	Total     int64         `json:"total"`
	Customers []CustomerRef `json:"customers"`
}

// Identify names customers by their primary identifier.
func (w *Workspace) Identify(ctx context.Context, ids []int64) ([]CustomerRef, error) {
	prim, err := w.st.PrimaryIdentities(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CustomerRef, len(ids))
	for i, c := range ids {
		out[i] = CustomerRef{ID: c}
		if r, ok := prim[c]; ok {
			out[i].Identifier = r.Type + ":" + r.Value
		}
	}
	return out, nil
}

// Who re-scans q's journeys with the cell collector who and names the
// customers it collected.
func (w *Workspace) Who(ctx context.Context, q Query, cell string, who *journey.Who) (*WhoResult, error) {
	if err := w.Scan(ctx, q, who); err != nil {
		return nil, err
	}
	return w.whoResult(ctx, cell, who.Total(), who.Customers())
}

func (w *Workspace) whoResult(ctx context.Context, cell string, total int64, ids []int64) (*WhoResult, error) {
	refs, err := w.Identify(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &WhoResult{Cell: cell, Total: total, Customers: refs}, nil
}

// WhoVariant lists the customers with a journey of the variant ranked rank
// (1-based, as Variants ranks them).
func (w *Workspace) WhoVariant(ctx context.Context, q Query, rank, limit int) (*WhoResult, error) {
	if rank < 1 {
		return nil, fmt.Errorf("variant rank %d: ranks start at 1", rank)
	}
	v, err := w.Variants(ctx, q, rank)
	if err != nil {
		return nil, err
	}
	if rank > len(v.Variants) {
		return nil, fmt.Errorf("there are only %d variants with these filters; pick a rank from 1 to %d", len(v.Variants), len(v.Variants))
	}
	x := v.Variants[rank-1]
	return w.Who(ctx, q, "variant "+strconv.Itoa(rank)+": "+x.String(), journey.WhoVariant(x.Steps, limit))
}

// WhoEdge lists the customers with a journey in which step from is
// directly followed by step to (journey.WhoEdge; from may be
// journey.StartLabel and to journey.EndLabel).
func (w *Workspace) WhoEdge(ctx context.Context, q Query, from, to string, limit int) (*WhoResult, error) {
	return w.Who(ctx, q, from+" > "+to, journey.WhoEdge(from, to, limit))
}

// WhoFunnel lists the customers who reached step (outcome Reached) or
// dropped off just before it (DroppedAt), within breakdown group ("" for
// everyone).
func (w *Workspace) WhoFunnel(ctx context.Context, q Query, opts journey.FunnelOptions, step int, outcome journey.FunnelOutcome, group string, limit int) (*WhoResult, error) {
	if step < 1 || step > len(opts.Steps) {
		return nil, fmt.Errorf("funnel step %d: the funnel has steps 1 to %d", step, len(opts.Steps))
	}
	if outcome == journey.DroppedAt && step == 1 {
		return nil, fmt.Errorf("nobody drops before step 1: ask for dropped:2 or later, or reached:1")
	}
	who, err := journey.WhoFunnel(opts, step, outcome, group, limit)
	if err != nil {
		return nil, err
	}
	verb := "reached"
	if outcome == journey.DroppedAt {
		verb = "dropped before"
	}
	return w.Who(ctx, q, fmt.Sprintf("%s step %d (%s)", verb, step, opts.Steps[step-1].Name), who)
}

// WhoPath lists the customers behind path node id (link false) or link
// index id (link true) of the paths result of q and opts.
func (w *Workspace) WhoPath(ctx context.Context, q Query, opts journey.PathOptions, link bool, id, limit int) (*WhoResult, error) {
	p, err := journey.NewPaths(opts)
	if err != nil {
		return nil, err
	}
	if err := w.Scan(ctx, q, p); err != nil {
		return nil, err
	}
	res := p.Result()
	var who *journey.Who
	var cell string
	if link {
		if id < 0 || id >= len(res.Links) {
			return nil, fmt.Errorf("link %d: the paths have links 0 to %d", id, len(res.Links)-1)
		}
		l := res.Links[id]
		cell = fmt.Sprintf("link %d: %s (step %d) > %s", id, res.Nodes[l.Source].Label, res.Nodes[l.Source].Step, res.Nodes[l.Target].Label)
		who, err = p.WhoLink(id, limit)
	} else {
		if id < 0 || id >= len(res.Nodes) {
			return nil, fmt.Errorf("node %d: the paths have nodes 0 to %d", id, len(res.Nodes)-1)
		}
		cell = fmt.Sprintf("node %d: %s (step %d)", id, res.Nodes[id].Label, res.Nodes[id].Step)
		who, err = p.WhoNode(id, limit)
	}
	if err != nil {
		return nil, err
	}
	return w.Who(ctx, q, cell, who)
}

// WhoSegment lists the members of a segment (saved name or expression).
func (w *Workspace) WhoSegment(ctx context.Context, nameOrExpr string, limit int) (*WhoResult, error) {
	def, err := w.ResolveSegment(ctx, nameOrExpr)
	if err != nil {
		return nil, err
	}
	ids, err := w.Members(ctx, def)
	if err != nil {
		return nil, err
	}
	total := int64(len(ids))
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return w.whoResult(ctx, "segment "+def.Name, total, ids)
}

// WhoCluster lists the customers assigned to cluster c (0-based).
func (w *Workspace) WhoCluster(ctx context.Context, cl *Clusters, c, limit int) (*WhoResult, error) {
	if c < 0 || c >= cl.K {
		return nil, fmt.Errorf("cluster %d: the clusters are 0 to %d", c, cl.K-1)
	}
	var ids []int64
	for i, a := range cl.Assign {
		if a == c {
			ids = append(ids, cl.Customers[i])
		}
	}
	total := int64(len(ids))
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return w.whoResult(ctx, "cluster "+strconv.Itoa(c), total, ids)
}

// ParseFunnelCell reads a funnel cell: "dropped:K" (the customers who
// reached step K−1 but not K), "reached:K" or just "K" (those who reached
// step K).
func ParseFunnelCell(s string) (step int, outcome journey.FunnelOutcome, err error) {
	kind, num, ok := strings.Cut(s, ":")
	if !ok {
		kind, num = "reached", s
	}
	switch kind {
	case "reached":
		outcome = journey.Reached
	case "dropped", "drop", "dropped-at":
		outcome = journey.DroppedAt
	default:
		return 0, 0, fmt.Errorf("funnel cell %q: write dropped:K or reached:K (K the 1-based step)", s)
	}
	step, err = strconv.Atoi(num)
	if err != nil {
		return 0, 0, fmt.Errorf("funnel cell %q: write dropped:K or reached:K (K the 1-based step)", s)
	}
	return step, outcome, nil
}

// ParseEdgeCell reads a directly-follows edge "FROM>TO" (spaces around >
// are trimmed; when a label itself contains '>', separate with " > ").
func ParseEdgeCell(s string) (from, to string, err error) {
	sep := ">"
	if strings.Contains(s, " > ") {
		sep = " > "
	}
	parts := strings.Split(s, sep)
	if len(parts) != 2 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" {
		return "", "", fmt.Errorf("edge %q: write FROM>TO with the step labels of the transitions table, e.g. 'web>email' or '(start)>web'", s)
	}
	return strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]), nil
}

// ParsePathCell reads a paths cell: "node:ID" or "link:I" (IDs and link
// indexes as the paths table lists them).
func ParsePathCell(s string) (link bool, id int, err error) {
	kind, num, ok := strings.Cut(s, ":")
	if ok {
		id, err = strconv.Atoi(num)
	}
	if !ok || err != nil || (kind != "node" && kind != "link") {
		return false, 0, fmt.Errorf("paths cell %q: write node:ID or link:I as the paths table numbers them", s)
	}
	return kind == "link", id, nil
}

// ParseRule reads a label grouping rule "REGEX=>LABEL" (also "REGEX->LABEL"
// or "REGEX → LABEL"): a raw step label the expression matches in full is
// renamed LABEL.
func ParseRule(s string) (journey.Rule, error) {
	if p, l, ok := strings.Cut(s, "=>"); ok {
		s = p + "->" + l
	}
	return journey.ParseRule(s)
}
