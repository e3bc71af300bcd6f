//go:build !race

// The crash test drives the built binary, which the race detector does not
// instrument anyway, and checks a 40,000-customer database in process,
// which takes minutes under it: make test runs it without (Makefile, unit).

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/analysis/store"
)

// crashSampleCustomers is the size of the crash test's sample: about
// 0.8 M web events.
const crashSampleCustomers = 40000

// TestLoadSurvivesSIGKILL builds the workbench, loads the CRM export, then
// starts loading the web events and kills the process with SIGKILL while
// its transaction is writing. The database must pass PRAGMA
// integrity_check, keep the CRM source intact, hold no trace of the
// killed file, and a rerun must load the web events completely.
func TestLoadSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and generates a sample")
	}
	ctx := context.Background()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "workbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "sample")
	// The built binary writes the sample (in-process generation is slow
	// under the race detector), large enough that the web events take
	// more than a second to insert, so that the kill lands while the
	// transaction writes them.
	if out, err := exec.Command(bin, "sample", "--quiet", "--out", dir, "--customers", fmt.Sprint(crashSampleCustomers), "--seed", "3").CombinedOutput(); err != nil {
		t.Fatalf("workbench sample: %v\n%s", err, out)
	}
	db := filepath.Join(tmp, "w.db")
	run := func(args ...string) string {
		out, err := exec.Command(bin, append([]string{"load", "--db", db}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("workbench load %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("--quiet", filepath.Join(dir, "crm_customers.csv"))
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	crmBefore, _ := st.Sources(ctx)
	totBefore, _ := st.Totals(ctx)
	st.Close()

	web := filepath.Join(dir, "web_events.jsonl")
	cmd := exec.Command(bin, "load", "--db", db, web)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the second pass (inserting rows) to be under way.
	sc := bufio.NewScanner(stderr)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		for i, b := range data {
			if b == '\r' || b == '\n' {
				return i + 1, data[:i], nil
			}
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	deadline := time.After(60 * time.Second)
	seen := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if strings.Contains(sc.Text(), "loading") && !strings.Contains(sc.Text(), " 0 rows") {
				seen <- sc.Text()
				return
			}
		}
		close(seen)
	}()
	select {
	case line, ok := <-seen:
		if !ok {
			cmd.Wait()
			t.Fatal("the load ended before it could be killed; make the file larger")
		}
		t.Logf("killing at: %s", strings.TrimSpace(line))
	case <-deadline:
		t.Fatal("no progress line within 60 s")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	st, err = store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if ic, err := st.IntegrityCheck(ctx); err != nil || ic != "ok" {
		t.Fatalf("integrity_check after SIGKILL: %q %v", ic, err)
	}
	if bad, err := st.CheckConsistency(ctx); err != nil || bad != "" {
		t.Errorf("after SIGKILL: %s %v", bad, err)
	}
	srcs, _ := st.Sources(ctx)
	if len(srcs) != 1 || srcs[0] != crmBefore[0] {
		t.Errorf("sources after SIGKILL = %+v, want only the CRM source as before %+v", srcs, crmBefore)
	}
	if tot, _ := st.Totals(ctx); tot != totBefore {
		t.Errorf("totals after SIGKILL %+v, want as before %+v", tot, totBefore)
	}
	st.Close()

	out := run("--quiet", web)
	t.Logf("rerun: %s", strings.SplitN(out, "\n", 2)[0])
	st, err = store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srcs, _ = st.Sources(ctx)
	if len(srcs) != 2 {
		t.Fatalf("after the rerun: %d sources, want 2", len(srcs))
	}
	lines := countLines(t, web)
	w := srcs[1]
	if w.Read != lines || w.Loaded+w.Rejected != lines || w.Duplicate != 0 {
		t.Errorf("rerun of %s: read %d loaded %d rejected %d duplicate %d; want all %d lines loaded or rejected", w.Name, w.Read, w.Loaded, w.Rejected, w.Duplicate, lines)
	}
	if bad, err := st.CheckConsistency(ctx); err != nil || bad != "" {
		t.Errorf("after the rerun: %s %v", bad, err)
	}
}

func countLines(t *testing.T, path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		n++
	}
	return n
}
