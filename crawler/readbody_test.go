package crawler

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	body := strings.Repeat("政务公开", 5000) // 60,000 bytes
	n := int64(len(body))
	for _, tc := range []struct {
		name      string
		announced int64
		limit     int64
		want      int64
	}{
		{"announced", n, 1 << 20, n},
		{"not announced", -1, 1 << 20, n},
		{"announced short", 100, 1 << 20, n},
		{"announced long", 10 * n, 1 << 20, n},
		{"over the limit", n, 1000, 1000},
		{"over the limit, not announced", -1, 1000, 1000},
		{"empty limit", n, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readBody(iotest.HalfReader(strings.NewReader(body)), tc.announced, tc.limit)
			if err != nil || int64(len(got)) != tc.want || !bytes.Equal(got, []byte(body[:tc.want])) {
				t.Errorf("readBody = %d bytes, %v; want the first %d bytes", len(got), err, tc.want)
			}
		})
	}
	// A body that breaks off is an error, with what was read.
	broken := io.MultiReader(strings.NewReader("<html>"), iotest.ErrReader(io.ErrUnexpectedEOF))
	if got, err := readBody(broken, 100, 1<<20); !errors.Is(err, io.ErrUnexpectedEOF) || string(got) != "<html>" {
		t.Errorf("broken body: %q, %v", got, err)
	}
}
