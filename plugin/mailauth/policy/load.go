package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// Load reads, decodes and checks the policy file at path. Key files named in it are read relative
// to the policy file's directory. On any problem it returns Errors listing all of them, each with
// file:line:column, and no Policy: a policy is used whole or not at all.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read policy: " + unwrapPathError(err)}}
	}
	return Parse(path, data, filepath.Dir(path))
}

// Parse is Load for a policy already in memory; name is used in error messages and dir is where
// relative key file paths start.
func Parse(name string, data []byte, dir string) (p *Policy, err error) {
	// Whatever bytes an edit leaves in the file, a panic in the YAML library must not stop the
	// server: it is one more reason to refuse the policy.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, Errors{{File: name, Msg: fmt.Sprintf("the YAML decoder failed on this file (%v); check its syntax", r)}}
		}
	}()
	// A file rewritten in place is empty for a moment; serving that would withdraw every record.
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, Errors{{File: name, Msg: "the policy file is empty (write at least a comment to publish nothing on purpose)"}}
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, decodeError(name, nil, err)
	}
	// Decode the tree already parsed rather than the bytes again: parsing is most of a load.
	var doc document
	if len(file.Docs) > 0 && file.Docs[0].Body != nil {
		if err := yaml.NodeToValue(file.Docs[0].Body, &doc, yaml.Strict()); err != nil && !errors.Is(err, io.EOF) {
			return nil, decodeError(name, file, err)
		}
	}
	c := &checker{locator: locator{file: name, ast: file}, dir: dir, digest: newDigester()}
	// The digest covers the very bytes used, so that an edit made while they are read is seen as a
	// change at the next check instead of being mistaken for what was loaded.
	c.digest.add(name, data)
	// The decoder reads the first document only; a second one would be ignored without a word.
	for i, d := range file.Docs {
		if i == 0 {
			continue
		}
		if d.Body != nil {
			line, col := 0, 0
			if d.Start != nil && d.Start.Position != nil {
				line, col = d.Start.Position.Line, d.Start.Position.Column
			}
			c.errs = append(c.errs, &Error{File: name, Line: line, Col: col,
				Msg: "a second YAML document starts here; a policy is one document, so remove the \"---\" line"})
			break
		}
	}
	p = c.policy(&doc)
	c.across(p, &doc)
	if len(c.errs) > 0 {
		sortByPosition(c.errs)
		return nil, c.errs
	}
	sortByPosition(c.warns)
	p.Warnings = c.warns
	p.Path = name
	p.Digest = c.digest.sum()
	p.Files = append([]string{name}, c.files...)
	return p, nil
}

// unwrapPathError drops the path from an *os.PathError, since the caller already names the file.
func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return strings.TrimSpace(err.Error())
}
