package model

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Load reads a decision model from a DMN file (.dmn or .xml, or any file
// starting with '<') or a JSON rule set (.json, or starting with '{') and
// compiles its engine. A DMN model runs the CEL conditions of its tests
// (Condition); a rule set runs the conditions it states.
func Load(path string) (*Model, *Engine, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	kind := strings.ToLower(filepath.Ext(path))
	if kind != ".dmn" && kind != ".xml" && kind != ".json" {
		switch t := bytes.TrimSpace(b); {
		case len(t) > 0 && t[0] == '<':
			kind = ".dmn"
		case len(t) > 0 && t[0] == '{':
			kind = ".json"
		default:
			return nil, nil, fmt.Errorf("%s: not a DMN file or a JSON rule set (export one with `workbench export`)", path)
		}
	}
	var m *Model
	var rs *RuleSet
	if kind == ".json" {
		m, rs, err = ReadRules(bufio.NewReader(bytes.NewReader(b)))
	} else {
		m, err = ReadDMN(bytes.NewReader(b))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	e, err := NewEngine(m, rs)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, e, nil
}
