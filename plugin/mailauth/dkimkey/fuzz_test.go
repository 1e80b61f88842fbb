package dkimkey

import "testing"

// FuzzParse reads arbitrary bytes as a key file. It must never panic, and a key it accepts must
// describe itself and, when Check passes, publish a p= that reads back as the same key: the
// record a receiver fetches holds the signer's key. The seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := Parse(data)
		if err != nil {
			return
		}
		_ = key.Describe()
		_ = key.Warnings()
		if key.Check() != nil {
			return
		}
		back, err := FromP(key.P(), key.Algorithm)
		if err != nil {
			t.Fatalf("the %s key's p=%s does not read back: %v", key.Describe(), key.P(), err)
		}
		if !back.Equal(key) {
			t.Fatalf("p=%s reads back as another key (%s, was %s)", key.P(), back.Describe(), key.Describe())
		}
	})
}
