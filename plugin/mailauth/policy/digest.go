package policy

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"hash"
	"io"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// Digest identifies the content of a policy and of every key file it names: the reloader compares
// it with Fingerprint of the same files to see a change, whether a file was rewritten in place,
// replaced by rename or swapped through a symlink, and whatever its modification time says.
type Digest [sha256.Size]byte

// digester hashes each file's name and content, in the order they are read.
type digester struct{ h hash.Hash }

func newDigester() *digester { return &digester{h: sha256.New()} }

func (d *digester) add(path string, content []byte) {
	io.WriteString(d.h, path)
	d.h.Write([]byte{0})
	d.h.Write(content)
	d.h.Write([]byte{0})
}

// unreadable records that path could not be read: a file that is missing, or unreadable, is a
// state of its own, and its appearance a change.
func (d *digester) unreadable(path string) {
	io.WriteString(d.h, path)
	d.h.Write([]byte{1})
}

func (d *digester) sum() Digest {
	var s Digest
	d.h.Sum(s[:0])
	return s
}

// Fingerprint hashes files as Load does when it reads them: Fingerprint(p.Files) equals p.Digest
// (or the Digest of a Failure) as long as none of the files has changed. A file that cannot be
// read counts as such, as Load counts it, and the error says why.
// It streams each file through the hash, so checking a large policy every few seconds costs no
// memory.
func Fingerprint(files []string) (Digest, error) {
	d := newDigester()
	var first error
	for _, f := range files {
		if err := d.addFile(f); err != nil {
			d.unreadable(f)
			first = cmp.Or(first, err)
		}
	}
	return d.sum(), first
}

// addFile hashes the file at path, leaving the hash untouched when it cannot be opened. A read
// that fails halfway is hashed as far as it went, then as unreadable: no content matches it.
func (d *digester) addFile(path string) error {
	// Load reads regular files only: anything else (a directory, a pipe) is unreadable to both.
	fh, _, err := openRegular(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	io.WriteString(d.h, path)
	d.h.Write([]byte{0})
	if _, err := io.Copy(d.h, pace.Reader(fh)); err != nil {
		return err
	}
	d.h.Write([]byte{0})
	return nil
}

// errNotRegular is why a directory, a device or a pipe is not read as a policy or key file.
var errNotRegular = errors.New("not a regular file")

// Failure is the error of a policy that did not load: its problems, and the files the attempt
// read with their digest, so that a reloader tries again only once one of them changes rather
// than parse a large broken policy every few seconds.
type Failure struct {
	Errors
	// Warnings are what the policy would have been warned of had it loaded, for a checker to show
	// beside its errors.
	Warnings Errors
	Files    []string
	Digest   Digest
}

// Unwrap returns the problems, for errors.As with Errors.
func (f *Failure) Unwrap() error { return f.Errors }
