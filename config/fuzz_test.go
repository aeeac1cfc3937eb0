package config

// A fuzz target over every configuration of testdata (the valid one and
// each refused one) and the starter file, with a time budget per input
// (YAML aliases can expand exponentially) and a round trip: what Parse
// accepts, Marshal writes and Parse accepts again.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzBudget is the time one configuration may take to parse.
const fuzzBudget = 3 * time.Second

func FuzzParseRoundTrip(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	bad, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	files = append(files, bad...)
	if len(files) < 10 {
		f.Fatalf("only %d configurations in testdata", len(files))
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(Starter())
	// A billion-laughs document and a deep nesting.
	f.Add([]byte("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"))
	f.Add([]byte(strings.Repeat("[", 5000) + strings.Repeat("]", 5000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c *Config
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			c, err = Parse(data, "fuzz.yaml")
		}()
		select {
		case <-done:
		case <-time.After(fuzzBudget):
			t.Fatalf("Parse did not return within %s", fuzzBudget)
		}
		if err != nil {
			if c != nil {
				t.Fatal("a configuration came with an error")
			}
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("a valid configuration does not marshal: %v", err)
		}
		if _, err := Parse(out, "again.yaml"); err != nil {
			t.Fatalf("what Marshal wrote does not parse again: %v\n%s", err, out)
		}
	})
}
