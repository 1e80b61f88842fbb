package policy

import (
	"crypto/sha256"
	"hash"
	"io"
	"os"

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

func (d *digester) sum() Digest {
	var s Digest
	d.h.Sum(s[:0])
	return s
}

// Fingerprint hashes files as Load does when it reads them: Fingerprint(p.Files) equals p.Digest
// as long as none of the files has changed. An unreadable file is an error.
// It streams each file through the hash, so checking a large policy every few seconds costs no
// memory.
func Fingerprint(files []string) (Digest, error) {
	d := newDigester()
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return Digest{}, err
		}
		io.WriteString(d.h, f)
		d.h.Write([]byte{0})
		_, err = io.Copy(d.h, pace.Reader(fh))
		fh.Close()
		if err != nil {
			return Digest{}, err
		}
		d.h.Write([]byte{0})
	}
	return d.sum(), nil
}
