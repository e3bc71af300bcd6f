package report

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

func sampleTable() *Table {
	t := New("file", "rows", "share")
	t.Add("crm.csv", int64(1200), 0.25)
	t.Add("web, \"app\".jsonl", int64(7), nil)
	return t
}

func TestFormats(t *testing.T) {
	cases := []struct{ format, want string }{
		{"table", "file              rows  share\n" +
			"----------------  ----  -----\n" +
			"crm.csv           1200   0.25\n" +
			"web, \"app\".jsonl     7       \n"},
		{"csv", "file,rows,share\ncrm.csv,1200,0.25\n\"web, \"\"app\"\".jsonl\",7,\n"},
		{"json", "[\n  {\"file\": \"crm.csv\", \"rows\": 1200, \"share\": 0.25},\n  {\"file\": \"web, \\\"app\\\".jsonl\", \"rows\": 7, \"share\": null}\n]\n"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := sampleTable().Write(&b, c.format); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.format, b.String(), c.want)
		}
	}
	var b bytes.Buffer
	sampleTable().WriteJSON(&b)
	var rows []map[string]any
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil || len(rows) != 2 || rows[0]["rows"].(float64) != 1200 {
		t.Errorf("JSON does not parse back: %v %v", err, rows)
	}
	if err := sampleTable().Write(&b, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestEmptyJSON(t *testing.T) {
	var b bytes.Buffer
	New("a").WriteJSON(&b)
	if b.String() != "[]\n" {
		t.Errorf("empty table = %q", b.String())
	}
}

func ExampleTable_WriteText() {
	t := New("channel", "events")
	t.Add("web", 1520)
	t.Add("email", 87)
	t.WriteText(os.Stdout)
	// Output:
	// channel  events
	// -------  ------
	// web        1520
	// email        87
}

func TestDisplayRoundsFloatsForReaders(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{0.3183266086217881, "0.3183"},
		{11.129886924616411, "11.1299"},
		{2.0, "2"},
		{0.000000000000004884981308350689, "0"},
		{-0.00001, "0"},
		{-0.00006, "-0.0001"},
		{float32(1.5), "1.5"},
		{1e16, "1e+16"},
		{0.0, "0"},
		{-0.00000, "0"},
		{"text", "text"},
		{42, "42"},
	}
	for _, c := range cases {
		if got := Display(c.v); got != c.want {
			t.Errorf("Display(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	// CSV keeps full precision.
	if got := Text(0.3183266086217881); got != "0.3183266086217881" {
		t.Errorf("Text kept %q, want full precision", got)
	}
}
