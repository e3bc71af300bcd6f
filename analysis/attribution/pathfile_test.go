package attribution

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestReadPaths(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		opt  PathFileOptions
		want []Path
	}{
		{"ChannelAttribution header", "path;total_conversions;total_conversion_value;total_null\nA > B;2;30.5;1\nC;0;0;4\n", PathFileOptions{},
			[]Path{{Channels: []string{"A", "B"}, Conversions: 2, Value: 30.5, Nulls: 1}, {Channels: []string{"C"}, Nulls: 4}}},
		{"short header, other order, extra column", "nulls;path;conversions;note\n1;A>B>A;3;x\n", PathFileOptions{},
			[]Path{{Channels: []string{"A", "B", "A"}, Conversions: 3, Nulls: 1}}},
		{"no header, positional", "A > B;1;10;2\nB;1\n", PathFileOptions{},
			[]Path{{Channels: []string{"A", "B"}, Conversions: 1, Value: 10, Nulls: 2}, {Channels: []string{"B"}, Conversions: 1}}},
		{"comma delimiter, quoted, comments, blank lines", "# exported\npath,conversions,value,nulls\n\n\"Paid Search > Email, weekly\",1,5,0\n", PathFileOptions{Delimiter: ','},
			[]Path{{Channels: []string{"Paid Search", "Email, weekly"}, Conversions: 1, Value: 5}}},
		{"channel sets detected", "channel_set;conversions\nF+L;3\nO;1\n", PathFileOptions{},
			[]Path{{Channels: []string{"F", "L"}, Conversions: 3}, {Channels: []string{"O"}, Conversions: 1}}},
		{"explicit separator", "a|b;1;0;0\n", PathFileOptions{PathSeparator: "|"},
			[]Path{{Channels: []string{"a", "b"}, Conversions: 1}}},
		{"empty tokens skipped", "A >> B > ;1\n", PathFileOptions{},
			[]Path{{Channels: []string{"A", "B"}, Conversions: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadPaths(strings.NewReader(tc.in), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestReadPathsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"not a number", "path;conversions\nA;1\nB;x\n", "line 3: conversions \"x\" is not a number"},
		{"negative nulls", "A;1;0;-2\n", "line 1: nulls \"-2\" is negative"},
		{"missing conversions column", "path;value\nA;3\n", "lacks a path column"},
		{"too few fields", "path;conversions\nA\n", "line 2: 1 fields"},
		{"bad quote", "\"A;1\nB\"x;2\n", "paths file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPaths(strings.NewReader(tc.in), PathFileOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestWritePathsRoundTrip(t *testing.T) {
	in := []Path{p("Paid Search > Email > Email", 2, 31.25, 1), p("Store", 0, 0, 7)}
	var buf bytes.Buffer
	if err := WritePaths(&buf, in, PathFileOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "path;total_conversions;total_conversion_value;total_null\nPaid Search > Email > Email;2;31.25;1\nStore;0;0;7\n"
	if buf.String() != want {
		t.Errorf("wrote\n%s\nwant\n%s", buf.String(), want)
	}
	back, err := ReadPaths(&buf, PathFileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, in) {
		t.Errorf("read back %+v, want %+v", back, in)
	}
	if err := WritePaths(&buf, []Path{p("A;B", 1, 0, 0)}, PathFileOptions{}); err == nil {
		t.Error("channel containing the delimiter written")
	}
	if err := WritePaths(&buf, []Path{{Channels: []string{"A+B"}, Conversions: 1}}, PathFileOptions{PathSeparator: "+"}); err == nil {
		t.Error("channel containing the path separator written")
	}
}
