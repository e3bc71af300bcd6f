package sample

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Options configure one generation run.
type Options struct {
	// Customers is the number of persons in the world, 1 to MaxCustomers.
	Customers int
	// Seed selects the world: the same seed and size give byte-identical
	// files.
	Seed int64
}

// MaxCustomers is the largest world: CRM ids have 7 digits.
const MaxCustomers = 9_999_999

// DefaultOptions are the built-in sample: 5,000 customers, seed 42.
func DefaultOptions() Options { return Options{Customers: 5000, Seed: 42} }

// Progress reports how far a run is.
type Progress struct {
	Persons int   // persons written so far
	Total   int   // persons to write
	Rows    int64 // rows written so far over every export (truth files excluded)
	Elapsed time.Duration
}

// Stats summarise a finished run.
type Stats struct {
	// Rows is the number of data rows (header excluded) written to each
	// file, keyed by its path relative to the output directory
	// ("web_events.jsonl", "truth/persons.csv", …).
	Rows       map[string]int64
	Persons    int
	Households int // households with more than one person (sharing an email)
	Decisions  int
	Malformed  int // rows planted malformed (listed in truth/malformed.csv)
	// ExportRows is the total over the exports (the files a loader reads),
	// excluding the truth files.
	ExportRows int64
	Bytes      int64 // bytes written over all files
	Elapsed    time.Duration
}

// RowsPerSecond is ExportRows / Elapsed.
func (s Stats) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.ExportRows) / s.Elapsed.Seconds()
}

// File indices; fileNames gives their paths relative to the output dir.
const (
	fCRM = iota
	fWeb
	fApp
	fEmail
	fSMS
	fPush
	fCall
	fStore
	fDecisions
	tPersons
	tIdentities
	tDecisions
	tMalformed
	nFiles
	nExports = tPersons
)

var fileNames = [nFiles]string{
	"crm_customers.csv", "web_events.jsonl", "app_events.jsonl", "email_events.csv",
	"sms_events.csv", "push_events.tsv", "call_centre.csv", "store_transactions.csv",
	"decisions.csv",
	"truth/persons.csv", "truth/identities.csv", "truth/decisions_truth.csv", "truth/malformed.csv",
}

// ExportFiles lists the exports Generate writes (paths relative to the
// output directory), the files a loader reads.
func ExportFiles() []string { return append([]string(nil), fileNames[:nExports]...) }

// TruthFiles lists the ground-truth files (relative to the output
// directory), including truth/response_model.json.
func TruthFiles() []string {
	return append(append([]string(nil), fileNames[nExports:]...), "truth/response_model.json")
}

var fileHeaders = [nFiles]string{
	"\ufeffcrm_id,email,phone,first_name,last_name,region,loyalty_tier,loyalty_card,signup_date,consent_email,consent_sms,consent_push,consent_call,updated_at\r\n",
	"", "",
	"event_id,timestamp,email,campaign_id,event,url\n",
	"message_sid;to;campaign;status;date_created\n",
	"device_token\tcampaign\tevent\tts_ms\n",
	"call_id,phone,started_at,duration_s,reason,outcome,agent_id,customer_id,email\n",
	"receipt_id,store_id,timestamp,loyalty_card,email,amount,currency,items\n",
	"decision_id,customer_id,timestamp,trigger,ctx_recency_days,ctx_orders_90d,ctx_cart_value,ctx_loyalty_tier,ctx_region,ctx_last_channel,ctx_consent_email,ctx_consent_sms,ctx_consent_push,ctx_consent_call,action,propensity,converted,revenue,cost,reward\n",
	"person_id,segment,household_id,in_crm,crm_id,intent\n",
	"id_type,id_value,person_id,shared\n",
	"decision_id,person_id,segment,expected_reward_none,expected_reward_email_offer,expected_reward_sms_discount,expected_reward_push_reminder,expected_reward_call_back,recent_contacts\n",
	"file,line,kind\n",
}

// blockSize is the number of persons generated together. Households never
// cross a block, so a block depends only on (seed, block index) and blocks
// can be generated in parallel and written in order. It is part of the
// definition of the world: changing it changes the bytes.
const blockSize = 512

// malRow is a planted malformed row, at a block-local row index.
type malRow struct {
	file int
	row  int64
	kind string
}

// block holds the output of blockSize persons, one buffer per file.
type block struct {
	index      int
	persons    int
	households int
	decisions  int
	buf        [nFiles][]byte
	rows       [nFiles]int64
	mal        []malRow

	// Scratch space reused from person to person.
	msg  segMsg
	pbuf []byte
	qbuf []qitem
}

func (b *block) reset(index int) {
	b.index, b.persons, b.households, b.decisions = index, 0, 0, 0
	for i := range b.buf {
		b.buf[i] = b.buf[i][:0]
		b.rows[i] = 0
	}
	b.mal = b.mal[:0]
}

// Generate writes the sample world of opt into dir: the exports described
// in FORMATS.md and the ground truth in dir/truth/. Existing files of the
// same names are overwritten; other files are left alone. progress, if not
// nil, is called from the calling goroutine after every few blocks and once
// at the end. Generation stops with ctx's error when ctx is cancelled.
//
// Persons are generated in blocks of 512 from per-person random streams
// derived from (Seed, person index), on up to GOMAXPROCS goroutines, and
// written in block order, so the output depends only on opt and memory
// stays bounded by the blocks in flight whatever the number of customers.
func Generate(ctx context.Context, dir string, opt Options, progress func(Progress)) (Stats, error) {
	start := time.Now()
	if opt.Customers < 1 || opt.Customers > MaxCustomers {
		return Stats{}, fmt.Errorf("sample: customers must be between 1 and %d, got %d", MaxCustomers, opt.Customers)
	}
	if err := os.MkdirAll(filepath.Join(dir, "truth"), 0o755); err != nil {
		return Stats{}, fmt.Errorf("sample: create output directory: %w", err)
	}
	model := TrueModel()
	mj, err := json.MarshalIndent(model, "", "  ")
	if err != nil {
		return Stats{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "truth", "response_model.json"), append(mj, '\n'), 0o644); err != nil {
		return Stats{}, fmt.Errorf("sample: write response model: %w", err)
	}

	var files [nFiles]*os.File
	var writers [nFiles]*bufio.Writer
	closeAll := func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}
	for i, name := range fileNames {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			closeAll()
			return Stats{}, fmt.Errorf("sample: %w", err)
		}
		files[i] = f
		writers[i] = bufio.NewWriterSize(f, 256<<10)
		writers[i].WriteString(fileHeaders[i])
	}

	g := newGen(opt, model)
	nBlocks := (opt.Customers + blockSize - 1) / blockSize
	workers := runtime.GOMAXPROCS(0)
	if workers > 4 {
		workers = 4
	}
	if workers > nBlocks {
		workers = nBlocks
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	results := make(chan *block, workers)
	// free recycles blocks so their buffers keep their capacity.
	free := make(chan *block, 3*workers+1)
	// tokens bound the blocks in flight (generated but not yet written).
	tokens := make(chan struct{}, 2*workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bi := range jobs {
				var b *block
				select {
				case b = <-free:
				default:
					b = new(block)
				}
				b.reset(bi)
				g.block(b)
				select {
				case results <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for bi := 0; bi < nBlocks; bi++ {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- bi:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	st := Stats{Rows: map[string]int64{}}
	var lines [nFiles]int64 // data rows written so far per file
	pending := map[int]*block{}
	next := 0
	var werr error
	var scratch []byte
	for b := range results {
		if werr != nil {
			continue
		}
		pending[b.index] = b
		for {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			// Planted rows: physical line = header lines + rows before + row index + 1.
			for _, m := range nb.mal {
				head := int64(1)
				if fileHeaders[m.file] == "" {
					head = 0
				}
				scratch = append(scratch[:0], fileNames[m.file]...)
				scratch = append(scratch, ',')
				scratch = strconv.AppendInt(scratch, head+1+lines[m.file]+m.row, 10)
				scratch = append(scratch, ',')
				scratch = append(scratch, m.kind...)
				scratch = append(scratch, '\n')
				writers[tMalformed].Write(scratch)
				lines[tMalformed]++
			}
			for i := 0; i < nFiles; i++ {
				if i == tMalformed {
					continue
				}
				if _, err := writers[i].Write(nb.buf[i]); err != nil && werr == nil {
					werr = fmt.Errorf("sample: write %s: %w", fileNames[i], err)
				}
				lines[i] += nb.rows[i]
				if i < nExports {
					st.ExportRows += nb.rows[i]
				}
			}
			st.Persons += nb.persons
			st.Households += nb.households
			st.Decisions += nb.decisions
			st.Malformed += len(nb.mal)
			select {
			case free <- nb:
			default:
			}
			<-tokens
			if progress != nil && (next%64 == 0 || next == nBlocks) {
				progress(Progress{Persons: st.Persons, Total: opt.Customers, Rows: st.ExportRows, Elapsed: time.Since(start)})
			}
		}
		if werr == nil && ctx.Err() != nil {
			werr = ctx.Err()
		}
		if werr != nil {
			cancel()
		}
	}
	if werr == nil && next != nBlocks {
		werr = ctx.Err()
		if werr == nil {
			werr = errors.New("sample: generation stopped early")
		}
	}
	for i, w := range writers {
		if err := w.Flush(); err != nil && werr == nil {
			werr = fmt.Errorf("sample: write %s: %w", fileNames[i], err)
		}
		if fi, err := files[i].Stat(); err == nil {
			st.Bytes += fi.Size()
		}
		if err := files[i].Close(); err != nil && werr == nil {
			werr = fmt.Errorf("sample: close %s: %w", fileNames[i], err)
		}
		st.Rows[fileNames[i]] = lines[i]
	}
	st.Bytes += int64(len(mj) + 1)
	st.Elapsed = time.Since(start)
	if werr != nil {
		return st, werr
	}
	return st, nil
}
