package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// pageMarker is the title of one item of verifyBase, to find its page in
// the file.
const pageMarker = "PAGE-DAMAGE-MARKER-4f1c"

// verifyBase writes a sound store with findings in several states, an
// adjustment, a run and a few hundred items, and returns its path and the
// ids of its two findings (a draft with adjusted points, a confirmed one).
func verifyBase(t *testing.T) (path, draft, confirmed string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "base.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f1 := mkFinding("timeliness", "http://portal.test/a.html", "u1", 1)
	f2 := mkFinding("timeliness", "http://portal.test/b.html", "u2", 0.5)
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: []Finding{f1, f2}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(f1.ID, Action{Kind: DecideAdjust, By: "张三", Reason: "情节较轻", Points: 0.5, At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(f2.ID, Action{Kind: DecideConfirm, By: "张三", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAdjustment(Adjustment{Unit: "u1", Period: "2026Q1", Points: 1, Category: CategoryTraining,
		Reason: "未参加培训", By: "张三", At: t0}); err != nil {
		t.Fatal(err)
	}
	r, err := s.StartRun("crawl", t0)
	if err != nil {
		t.Fatal(err)
	}
	r.Status, r.EndedAt = RunOK, t0.Add(time.Minute)
	if err := s.SaveRun(r); err != nil {
		t.Fatal(err)
	}
	// Enough items for the items bucket to span several pages, all
	// written in one transaction, so the marker is on one page only.
	b := &Batch{}
	for i := range 300 {
		it := Item{URL: fmt.Sprintf("http://portal.test/items/%03d.html", i), Unit: "u1", Column: "c1",
			Title: fmt.Sprintf("关于第 %d 号文件的通知", i), FetchedAt: t0, RunID: r.ID}
		if i == 150 {
			it.Title = pageMarker
		}
		b.Items = append(b.Items, it)
	}
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	return path, f1.ID, f2.ID
}

// corruptMarkerPage damages the page holding pageMarker directly in the
// file: it gives the page the type of a free-list page, or with garbage
// true overwrites it whole with garbage.
func corruptMarkerPage(t *testing.T, path string, garbage bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte(pageMarker)); n != 1 {
		t.Fatalf("the marker is %d times in the file, want once", n)
	}
	// Page 0 is a meta page: a 16-byte page header, then magic, version
	// and page size (little-endian uint32s).
	pageSize := int(binary.LittleEndian.Uint32(data[24:28]))
	page := bytes.Index(data, []byte(pageMarker)) / pageSize * pageSize
	if garbage {
		copy(data[page:page+pageSize], bytes.Repeat([]byte{0xab, 0x5c, 0x07}, pageSize))
	} else {
		binary.LittleEndian.PutUint16(data[page+8:], 0x10) // the flags of a freelist page
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// rewrite replaces the one occurrence of old in the file by new, of the
// same length.
func rewrite(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte(old)); n != 1 || len(old) != len(new) {
		t.Fatalf("%q is %d times in the file, want once", old, n)
	}
	if err := os.WriteFile(path, bytes.Replace(data, []byte(old), []byte(new), 1), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifySoundStore(t *testing.T) {
	path, _, _ := verifyBase(t)
	if err := VerifyFile(path); err != nil {
		t.Fatalf("VerifyFile of a sound store: %v", err)
	}
	// A read-write store verifies too, and stays writable.
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Verify(); err != nil {
		t.Fatalf("Verify of a sound read-write store: %v", err)
	}
	if _, err := s.StartRun("check", t0); err != nil {
		t.Fatalf("write after Verify: %v", err)
	}
	c, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	// Events: detected and adjust of the draft, detected and confirm of
	// the confirmed finding, add of the adjustment.
	want := Counts{Findings: 2, Events: 5, Items: 300, Runs: 2, Adjustments: 1}
	if c != want {
		t.Errorf("Count = %+v, want %+v", c, want)
	}
}

// TestVerifyCatchesDamage damages a sound store in one way each and
// checks that Verify names the damage, and only it.
func TestVerifyCatchesDamage(t *testing.T) {
	base, draft, confirmed := verifyBase(t)
	get := func(tx *bolt.Tx, bucket string, key []byte) []byte {
		v := tx.Bucket([]byte(bucket)).Get(key)
		if v == nil {
			t.Fatalf("no %s/%q in the base store", bucket, key)
		}
		return bytes.Clone(v)
	}
	put := func(tx *bolt.Tx, bucket string, key, value []byte) error {
		return tx.Bucket([]byte(bucket)).Put(key, value)
	}
	replace := func(bucket, key, old, new string) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			v := get(tx, bucket, []byte(key))
			if !bytes.Contains(v, []byte(old)) {
				t.Fatalf("%s/%q has no %s: %s", bucket, key, old, v)
			}
			return put(tx, bucket, []byte(key), bytes.Replace(v, []byte(old), []byte(new), 1))
		}
	}
	damages := []struct {
		name string
		do   func(tx *bolt.Tx) error
		file func(path string) // damage to the file itself, after do
		want string
		n    int // problems expected; 0 means at least one
	}{
		{name: "half-written finding", do: func(tx *bolt.Tx) error {
			return put(tx, bucketFindings, []byte(draft), []byte(`{"id":"`+draft+`","rule":"timel`))
		}, want: "does not decode", n: 1},
		{name: "unknown status", do: replace(bucketFindings, draft, `"draft"`, `"drafted"`),
			want: `has status "drafted"`, n: 1},
		{name: "status without its event", do: replace(bucketFindings, draft, `"draft"`, `"confirmed"`),
			want: "its history ends in", n: 1},
		{name: "id of another subject", do: replace(bucketFindings, draft, "a.html", "c.html"),
			want: "has id", n: 1},
		{name: "incomplete finding", do: replace(bucketFindings, confirmed, `"unit":"u2"`, `"unit":""`),
			want: "is incomplete: no unit", n: 1},
		{name: "missing index entry", do: func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketRuleFindings)).Delete([]byte("timeliness" + sep + draft))
		}, want: "missing from the rule index", n: 1},
		{name: "index entry of no finding", do: func(tx *bolt.Tx) error {
			return put(tx, bucketRuleFindings, []byte("timeliness"+sep+"tim-0000000000"), nil)
		}, want: "names no finding", n: 1},
		{name: "index entry of another rule", do: func(tx *bolt.Tx) error {
			return put(tx, bucketRuleFindings, []byte("stale-column"+sep+draft), nil)
		}, want: "which is of rule timeliness", n: 1},
		{name: "seen entry of no finding", do: func(tx *bolt.Tx) error {
			return put(tx, bucketFindingSeen, []byte("tim-0000000000"), u64(1))
		}, want: "finding-seen entry \"tim-0000000000\" names no finding", n: 1},
		{name: "short seen entry", do: func(tx *bolt.Tx) error {
			return put(tx, bucketFindingSeen, []byte(draft), []byte{1, 2})
		}, want: "is 2 bytes, not 8", n: 1},
		{name: "orphan event", do: func(tx *bolt.Tx) error {
			return put(tx, bucketEvents, eventKey("tim-0000000000", 9),
				[]byte(`{"seq":9,"subject":"tim-0000000000","at":"2026-01-01T00:00:00Z","by":"x","action":"confirm","to":"confirmed"}`))
		}, want: "no finding or adjustment", n: 1},
		{name: "history without detected", do: func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketEvents)).Delete(eventKey(draft, 1))
		}, want: `no "detected" event first`, n: 1},
		{name: "finding without events", do: func(tx *bolt.Tx) error {
			c := tx.Bucket([]byte(bucketEvents)).Cursor()
			prefix := []byte(confirmed + sep)
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			return nil
		}, want: "has no events", n: 1},
		{name: "bad event key", do: func(tx *bolt.Tx) error {
			return put(tx, bucketEvents, []byte(draft+"-no-seq"), get(tx, bucketEvents, eventKey(draft, 1)))
		}, want: "is not subject NUL seq", n: 1},
		{name: "event under another key", do: func(tx *bolt.Tx) error {
			return put(tx, bucketEvents, eventKey(confirmed, 99), get(tx, bucketEvents, eventKey(draft, 1)))
		}, want: "says it is event 1 of", n: 1},
		{name: "event without time", do: func(tx *bolt.Tx) error {
			var e Event
			if err := json.Unmarshal(get(tx, bucketEvents, eventKey(confirmed, 4)), &e); err != nil {
				return err
			}
			e.At = time.Time{}
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			return put(tx, bucketEvents, eventKey(confirmed, 4), v)
		}, want: "has no action or no time", n: 1},
		{name: "adjustment does not decode", do: func(tx *bolt.Tx) error {
			return put(tx, bucketAdjustments, []byte("adj-000001"), []byte(`{"id":"adj-0`))
		}, want: `adjustment "adj-000001" does not decode`, n: 1},
		{name: "run under another key", do: func(tx *bolt.Tx) error {
			return put(tx, bucketRuns, u64(7), get(tx, bucketRuns, u64(1)))
		}, want: "run under key 7 has id 1", n: 1},
		{name: "no schema version", do: func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketMeta)).Delete([]byte("schema"))
		}, want: "no schema version", n: 1},
		{name: "many orphan events", do: func(tx *bolt.Tx) error {
			for i := range 30 {
				subject := fmt.Sprintf("tim-%010d", i)
				err := put(tx, bucketEvents, eventKey(subject, 1), fmt.Appendf(nil,
					`{"seq":1,"subject":%q,"at":"2026-01-01T00:00:00Z","by":"x","action":"confirm","to":"confirmed"}`, subject))
				if err != nil {
					return err
				}
			}
			return nil
		}, want: "… and 10 more", n: 30},
		{name: "page of another type", file: func(path string) { corruptMarkerPage(t, path, false) },
			want: `damaged page in bucket "items"`},
		{name: "keys out of order", file: func(path string) {
			// A key is stored right before its value.
			rewrite(t, path, "/items/151.html\x01", "/items/14a.html\x01")
		}, want: `keys out of order in bucket "items"`, n: 1},
		{name: "page of garbage", file: func(path string) { corruptMarkerPage(t, path, true) },
			want: `damaged page in bucket "items"`},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "damaged.db")
			data, err := os.ReadFile(base)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if d.do != nil {
				db, err := bolt.Open(path, 0o600, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Update(d.do); err != nil {
					t.Fatal(err)
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if d.file != nil {
				d.file(path)
			}
			err = VerifyFile(path)
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("VerifyFile = %v, want a *VerifyError", err)
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("the error does not match ErrCorrupt: %v", err)
			}
			if msg := err.Error(); !strings.Contains(msg, d.want) || !strings.Contains(msg, path) {
				t.Errorf("VerifyFile = %v, want an error naming %s and containing %q", err, path, d.want)
			}
			if (d.n > 0 && ve.Total != d.n) || ve.Total < 1 {
				t.Errorf("%d problems, want %d:\n%v", ve.Total, d.n, err)
			}
			t.Logf("%v", err)
			if len(ve.Problems) != min(ve.Total, verifyLimit) {
				t.Errorf("%d problems listed of %d, want %d", len(ve.Problems), ve.Total, min(ve.Total, verifyLimit))
			}
		})
	}
}

func TestVerifyFileRefusesNoStore(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text.db")
	if err := os.WriteFile(text, []byte("这不是数据库\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := VerifyFile(text); !errors.Is(err, ErrCorrupt) {
		t.Errorf("VerifyFile of a text file = %v, want ErrCorrupt", err)
	}
	missing := filepath.Join(dir, "missing.db")
	if err := VerifyFile(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("VerifyFile of a missing file = %v, want not-exist", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("VerifyFile created %s", missing)
	}
}

// BenchmarkVerify verifies a store of 10,000 findings (a tenth of them
// confirmed), read-only as `govaudit verify` and a backup do.
func BenchmarkVerify(b *testing.B) {
	s := benchFindings(b, 10_000)
	path := s.Path()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer ro.Close()
	for b.Loop() {
		if err := ro.Verify(); err != nil {
			b.Fatal(err)
		}
	}
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "MB-file")
	}
}
