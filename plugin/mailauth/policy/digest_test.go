package policy_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// writeFile writes content to name in dir, failing the test on error.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// replaceFile puts content at name in dir by rename, as editors and Ansible do.
func replaceFile(t *testing.T, dir, name, content string) {
	t.Helper()
	writeFile(t, dir, name+".tmp", content)
	if err := os.Rename(filepath.Join(dir, name+".tmp"), filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// relink points the symlink name in dir at target, swapped at once as a Kubernetes ConfigMap does.
func relink(t *testing.T, dir, name, target string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(dir, name+".new")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, name+".new"), filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func TestFingerprintChangesWhenContentDoesAndOnlyThen(t *testing.T) {
	big := strings.Repeat("# a long comment line\n", 5000) // over 100 kB: several reads
	tests := []struct {
		name    string
		files   []string
		before  func(t *testing.T, dir string)
		change  func(t *testing.T, dir string)
		changed bool
	}{
		{
			name:    "a file rewritten in place with other content",
			files:   []string{"p.yaml"},
			before:  func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", "ttl: 60\n") },
			change:  func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", "ttl: 70\n") },
			changed: true,
		},
		{
			name:   "a file rewritten with the same content and a new modification time",
			files:  []string{"p.yaml"},
			before: func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", "ttl: 60\n") },
			change: func(t *testing.T, dir string) {
				writeFile(t, dir, "p.yaml", "ttl: 60\n")
				later := time.Now().Add(time.Hour)
				if err := os.Chtimes(filepath.Join(dir, "p.yaml"), later, later); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:   "a file changed with its modification time put back",
			files:  []string{"p.yaml"},
			before: func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", "ttl: 60\n") },
			change: func(t *testing.T, dir string) {
				fi, err := os.Stat(filepath.Join(dir, "p.yaml"))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, dir, "p.yaml", "ttl: 70\n")
				if err := os.Chtimes(filepath.Join(dir, "p.yaml"), fi.ModTime(), fi.ModTime()); err != nil {
					t.Fatal(err)
				}
			},
			changed: true,
		},
		{
			name:   "a file replaced by rename with the same content",
			files:  []string{"p.yaml"},
			before: func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", "ttl: 60\n") },
			change: func(t *testing.T, dir string) { replaceFile(t, dir, "p.yaml", "ttl: 60\n") },
		},
		{
			name:    "a file replaced by rename with other content",
			files:   []string{"p.yaml"},
			before:  func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", "ttl: 60\n") },
			change:  func(t *testing.T, dir string) { replaceFile(t, dir, "p.yaml", "ttl: 70\n") },
			changed: true,
		},
		{
			name:  "a symlink swapped to a file with other content",
			files: []string{"p.yaml"},
			before: func(t *testing.T, dir string) {
				writeFile(t, dir, "v1", "ttl: 60\n")
				writeFile(t, dir, "v2", "ttl: 70\n")
				relink(t, dir, "p.yaml", "v1")
			},
			change:  func(t *testing.T, dir string) { relink(t, dir, "p.yaml", "v2") },
			changed: true,
		},
		{
			name:  "a symlink swapped to a file with the same content",
			files: []string{"p.yaml"},
			before: func(t *testing.T, dir string) {
				writeFile(t, dir, "v1", "ttl: 60\n")
				writeFile(t, dir, "v2", "ttl: 60\n")
				relink(t, dir, "p.yaml", "v1")
			},
			change: func(t *testing.T, dir string) { relink(t, dir, "p.yaml", "v2") },
		},
		{
			name:    "bytes moved from the end of one file to the start of the next",
			files:   []string{"a", "b"},
			before:  func(t *testing.T, dir string) { writeFile(t, dir, "a", "ab"); writeFile(t, dir, "b", "c") },
			change:  func(t *testing.T, dir string) { writeFile(t, dir, "a", "a"); writeFile(t, dir, "b", "bc") },
			changed: true,
		},
		{
			name:    "the contents of two files swapped",
			files:   []string{"a", "b"},
			before:  func(t *testing.T, dir string) { writeFile(t, dir, "a", "one"); writeFile(t, dir, "b", "two") },
			change:  func(t *testing.T, dir string) { writeFile(t, dir, "a", "two"); writeFile(t, dir, "b", "one") },
			changed: true,
		},
		{
			name:    "an edit of the last byte of a large file",
			files:   []string{"p.yaml"},
			before:  func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", big+"ttl: 60\n") },
			change:  func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", big+"ttl: 61\n") },
			changed: true,
		},
		{
			name:    "a missing file that appears empty",
			files:   []string{"p.yaml", "k.pem"},
			before:  func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", "ttl: 60\n") },
			change:  func(t *testing.T, dir string) { writeFile(t, dir, "k.pem", "") },
			changed: true,
		},
		{
			name:  "a file removed",
			files: []string{"p.yaml", "k.pem"},
			before: func(t *testing.T, dir string) {
				writeFile(t, dir, "p.yaml", "ttl: 60\n")
				writeFile(t, dir, "k.pem", "")
			},
			change: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "k.pem")); err != nil {
					t.Fatal(err)
				}
			},
			changed: true,
		},
		{
			name:   "a file that stays missing",
			files:  []string{"p.yaml", "k.pem"},
			before: func(t *testing.T, dir string) { writeFile(t, dir, "p.yaml", "ttl: 60\n") },
			change: func(t *testing.T, dir string) {},
		},
		{
			name:   "a file replaced by a directory",
			files:  []string{"k.pem"},
			before: func(t *testing.T, dir string) { writeFile(t, dir, "k.pem", "") },
			change: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "k.pem")); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(filepath.Join(dir, "k.pem"), 0o700); err != nil {
					t.Fatal(err)
				}
			},
			changed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var files []string
			for _, f := range tt.files {
				files = append(files, filepath.Join(dir, f))
			}
			tt.before(t, dir)
			was, _ := policy.Fingerprint(files)
			tt.change(t, dir)
			now, _ := policy.Fingerprint(files)
			if changed := now != was; changed != tt.changed {
				t.Errorf("fingerprint changed: %v, want %v", changed, tt.changed)
			}
		})
	}
}

func TestFingerprintNamesTheFirstFileItCannotReadAndHashesTheRest(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "p.yaml", "ttl: 60\n")
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o700); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(dir, "gone.pem"), filepath.Join(dir, "p.yaml"), filepath.Join(dir, "adir")}

	was, err := policy.Fingerprint(files)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "gone.pem") {
		t.Errorf("error %v, want gone.pem's: it does not exist", err)
	}
	if _, err := policy.Fingerprint(files[1:]); err == nil || err.Error() != "is a directory" {
		t.Errorf("error for a directory %v, want: is a directory", err)
	}
	writeFile(t, dir, "p.yaml", "ttl: 70\n")
	if now, _ := policy.Fingerprint(files); now == was {
		t.Error("an edit of the readable file between two unreadable ones left the fingerprint unchanged")
	}
}

func TestAPolicyThatIsADirectoryFingerprintsAsItsFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := policy.Load(dir)
	var f *policy.Failure
	if !errors.As(err, &f) {
		t.Fatalf("error %T %v, want a *Failure", err, err)
	}
	if fp, _ := policy.Fingerprint(f.Files); fp != f.Digest {
		t.Errorf("fingerprint %x, failure digest %x: a reloader would load it again every time", fp, f.Digest)
	}
	// Once the directory makes way for a file, that is a change.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Dir(dir), "policy.yaml", "ttl: 60\n")
	if fp, _ := policy.Fingerprint(f.Files); fp == f.Digest {
		t.Error("the policy file appearing left the fingerprint unchanged")
	}
}

// A named pipe is not a file the policy is read from. Opening one for reading waits for a writer,
// which would stop the reloader for good.
func TestFingerprintDoesNotWaitOnANamedPipe(t *testing.T) {
	pipe := filepath.Join(t.TempDir(), "policy.yaml")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Should Fingerprint be waiting in open, a writer coming and going lets it go on.
		if w, err := os.OpenFile(pipe, os.O_RDWR, 0); err == nil {
			w.Close()
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := policy.Fingerprint([]string{pipe})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || err.Error() != "not a regular file" {
			t.Errorf("error %v, want: not a regular file", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Fingerprint still waits on the named pipe after 2s")
	}
}

func TestLoadDoesNotWaitOnANamedPipe(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "k.pem")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w, err := os.OpenFile(pipe, os.O_RDWR, 0); err == nil {
			w.Close()
		}
	})
	writeFile(t, dir, "p.yaml", "domains:\n  example.org:\n    dkim:\n      s1: {key: k.pem}\n")
	for _, tt := range []struct{ name, path, want string }{
		{"a policy that is a named pipe", pipe, pipe + ": cannot read policy: not a regular file"},
		{"a key file that is a named pipe", filepath.Join(dir, "p.yaml"), "key file k.pem: cannot read: not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := policy.Load(tt.path)
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %v, want it to say %q", err, tt.want)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Load still waits on the named pipe after 2s")
			}
		})
	}
}

func TestAFailureIsItsErrors(t *testing.T) {
	path, _, err := loadBody(t, "domains:\n  example.org:\n    adsp: no\n    spf: [bogus]\n")
	var f *policy.Failure
	if !errors.As(err, &f) {
		t.Fatalf("error %T %v, want a *Failure", err, err)
	}
	want := path + `:3:11: adsp "no" is not one of unknown, all, discardable` + "\n" +
		path + `:4:11: SPF term "bogus": unknown mechanism "bogus"`
	if f.Error() != want {
		t.Errorf("failure text\n%s\nwant\n%s", f.Error(), want)
	}
	var errs policy.Errors
	if !errors.As(err, &errs) || len(errs) != 2 || errs[0] != f.Errors[0] {
		t.Errorf("errors.As gives %v, want the failure's two Errors", errs)
	}
}
