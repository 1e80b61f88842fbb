package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// Load reads, decodes and checks the policy file at path. Key files named in it are read relative
// to the policy file's directory. On any problem it returns Errors listing all of them, each with
// file:line:column, and no Policy: a policy is used whole or not at all.
func Load(path string) (*Policy, error) {
	data, _, err := readWithMode(path)
	if err != nil {
		d := newDigester()
		d.unreadable(path)
		return nil, &Failure{Errors: Errors{{File: path, Msg: "cannot read policy: " + strings.TrimPrefix(err.Error(), "cannot read: ")}},
			Files: []string{path}, Digest: d.sum()}
	}
	return Parse(path, data, filepath.Dir(path))
}

// Parse is Load for a policy already in memory; name is used in error messages and dir is where
// relative key file paths start. Its errors are a *Failure.
func Parse(name string, data []byte, dir string) (p *Policy, err error) {
	c := &checker{locator: locator{file: name}, dir: dir, digest: newDigester()}
	defer parsedKeyFiles.loaded()
	// The digest covers the very bytes used, so that an edit made while they are read is seen as a
	// change at the next check instead of being mistaken for what was loaded.
	c.digest.add(name, data)
	fail := func(errs Errors) (*Policy, error) {
		return nil, &Failure{Errors: errs, Warnings: sortByPosition(c.warns), Files: append([]string{name}, c.files...), Digest: c.digest.sum()}
	}
	// Whatever bytes an edit leaves in the file, a panic in the YAML library must not stop the
	// server: it is one more reason to refuse the policy.
	defer func() {
		if r := recover(); r != nil {
			p, err = fail(Errors{{File: name, Msg: fmt.Sprintf("the YAML decoder failed on this file (%v); check its syntax", r)}})
		}
	}()
	// A file rewritten in place is empty for a moment; serving that would withdraw every record.
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(Errors{{File: name, Msg: "the policy file is empty (write at least a comment to publish nothing on purpose)"}})
	}
	body, next, err := parseDocuments(data)
	if err != nil {
		return fail(Errors{syntaxError(name, data, err)})
	}
	var doc document
	if body != nil {
		if errs := decodeDocument(name, data, body, &doc); len(errs) > 0 {
			return fail(sortByPosition(errs))
		}
	}
	c.root = body
	// A policy is one document; a second one would be ignored without a word.
	if next != nil {
		c.errs = append(c.errs, &Error{File: name, Line: next.Line, Col: next.Column,
			Msg: "a second YAML document starts here; a policy is one document, so remove the \"---\" line"})
	}
	p = c.policy(&doc)
	c.across(p, &doc)
	if len(c.errs) > 0 {
		return fail(sortByPosition(c.errs))
	}
	p.Warnings = sortByPosition(c.warns)
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

// parseDocuments parses data into YAML node trees. It returns the body of the first document (nil
// when the file holds only comments) and the first document after it that has content.
func parseDocuments(data []byte) (body, next *yaml.Node, err error) {
	dec := yaml.NewDecoder(pace.Reader(bytes.NewReader(data)))
	var first yaml.Node
	if err := dec.Decode(&first); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	if len(first.Content) > 0 && !empty(first.Content[0]) {
		body = first.Content[0]
	}
	// Every document is parsed, so that none after the first, and no syntax error in one, passes
	// unseen.
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return body, next, nil
			}
			return nil, nil, err
		}
		if next == nil && len(doc.Content) > 0 && !empty(doc.Content[0]) {
			next = &doc
		}
	}
}

// empty reports whether n is the body of a document with nothing in it but comments.
func empty(n *yaml.Node) bool {
	return isNull(n) && n.Value == ""
}

// openRegular opens a file for reading if it is a regular file: a policy or key file replaced by
// a directory, a device or a named pipe is not one. It opens without blocking, since opening a
// named pipe waits for a writer that may never come, and checks what it opened, not what the name
// was a moment before.
func openRegular(file string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case fi.IsDir():
		err = errIsDir
	case !fi.Mode().IsRegular():
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

var errIsDir = errors.New("is a directory")

// readWithMode reads a file and returns the mode it had when opened.
func readWithMode(file string) ([]byte, fs.FileMode, error) {
	f, fi, err := openRegular(file)
	if err != nil {
		return nil, 0, errors.New("cannot read: " + unwrapPathError(err))
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, errors.New("cannot read: " + unwrapPathError(err))
	}
	return content, fi.Mode(), nil
}
