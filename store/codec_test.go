package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchItem is an item as the crawler stores one from the simulated portal.
func benchItem(i int) Item {
	base := "http://127.0.0.1:54565"
	return Item{
		URL: fmt.Sprintf("%s/art/2020/12/1/art_51113_%06d.html", base, i), Unit: "lzsthjfj", Column: "lzsthjfj/财政预决算",
		Family: "hanweb", Title: "2020年11月财政收支情况", ListDate: "2020-12-01", Published: "2020-12-01", Written: "2020-12-01",
		IndexNo: "11370305TW2EYQMHJ5/2020-4589806", Publisher: "临淄生态环境分局", Validity: "有效",
		Attachments: []Attachment{{URL: base + "/module/download/downfile.jsp?classid=0&filename=650786b74b36623e529f.xlsx",
			Name: "2020年11月财政收支情况.xlsx", Type: "xlsx", Status: 200, ContentType: "application/octet-stream", Length: 26678, Checked: true}},
		NamedAttachments: []string{"2020年11月财政收支情况"},
		BodyLen:          246,
		Links:            []string{base + "/", base + "/col/col51100/index.html", base + "/col/col51113/index.html"},
		SnapshotHash:     "033770f44d1d515c23914f0335e2624f",
		FetchedAt:        time.Date(2026, 11, 27, 8, 57, 48, 280237752, time.UTC),
		RunID:            2,
		FirstSeen:        time.Date(2026, 11, 27, 8, 56, 51, 333775739, time.UTC),
	}
}

// fill sets every field of the struct v points to a non-zero value derived
// from seed, recursing into structs and slices, so that a field the codec
// forgets shows in a round trip.
func fill(t *testing.T, v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.Pointer:
		fill(t, v.Elem(), seed)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 2, 1, 30, seed%60, seed*1001, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), seed*31+i+1)
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("值%d\x00\xff", seed))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(-seed*1000 - 7))
	case reflect.Uint64:
		v.SetUint(uint64(seed)<<40 + 3)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), seed*7+i)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(t, k, seed*11+i)
			fill(t, e, seed*13+i)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		t.Fatalf("fill: field of kind %s: teach the codec and this test about it", v.Kind())
	}
}

func TestCodecRoundTrip(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name string
		item Item
	}{
		{"zero", Item{}},
		{"crawled", benchItem(1)},
		{"every field", func() Item { var it Item; fill(t, reflect.ValueOf(&it), 1); return it }()},
		{"CST times", Item{URL: "u", FetchedAt: time.Date(2026, 11, 27, 16, 0, 0, 5, cst), FirstSeen: time.Date(1999, 1, 2, 3, 4, 5, 0, cst)}},
		{"empty slices", Item{URL: "u", Links: []string{}, Attachments: []Attachment{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got Item
			if err := decodeItem(encodeItem(nil, &tc.item), &got); err != nil {
				t.Fatal(err)
			}
			// What the binary layout gives must be what JSON gave (times
			// compared as JSON renders them: same instant and offset).
			var viaJSON Item
			data, _ := json.Marshal(tc.item)
			if err := decodeItem(data, &viaJSON); err != nil {
				t.Fatal(err)
			}
			if tc.name == "every field" { // JSON replaces invalid UTF-8; compare with the input instead
				viaJSON = tc.item
			}
			if !reflect.DeepEqual(got, viaJSON) {
				t.Errorf("binary round trip:\n got %+v\nwant %+v", got, viaJSON)
			}
			fs, col, err := itemHead(encodeItem(nil, &tc.item))
			if err != nil || !fs.Equal(tc.item.FirstSeen) || col != tc.item.Column {
				t.Errorf("itemHead = %v %q %v", fs, col, err)
			}
		})
	}
	var p, got Page
	fill(t, reflect.ValueOf(&p), 3)
	if err := decodePage(encodePage(nil, &p), &got); err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("page round trip = %+v, %v; want %+v", got, err, p)
	}
	jp := Page{URL: "https://gov.test/", Status: 304, FetchedAt: t0, RunID: 4}
	data, _ := json.Marshal(jp)
	if err := decodePage(data, &got); err != nil || !reflect.DeepEqual(got, jp) {
		t.Errorf("JSON page = %+v, %v", got, err)
	}
}

func TestContentCodec(t *testing.T) {
	var full Content
	fill(t, reflect.ValueOf(&full), 5)
	plain := Content{URL: "https://gov.test/a.html", PageHash: "ab", HasText: true, CheckedAt: t0, RunID: 3,
		Personal:       []PersonalMatch{{Kind: "mobile", Masked: "138****5678", Hash: "h", Where: "第 3 行"}},
		PersonalCounts: map[string]int{"mobile": 1},
		Links:          []ContentLink{{URL: "http://x.test/", Text: "链接", Hidden: "display:none"}},
		Attachments:    []AttachmentText{{URL: "https://gov.test/f.xlsx", Bytes: 9, Audited: true, CheckedAt: t0}}}
	for name, c := range map[string]Content{"zero": {}, "every field": full, "crawled": plain} {
		var got Content
		if err := decodeContent(encodeContent(nil, &c), &got); err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%s: round trip = %+v, %v; want %+v", name, got, err, c)
		}
	}
	// Records written as JSON before the binary layout still read.
	data, _ := json.Marshal(plain)
	var got Content
	if err := decodeContent(data, &got); err != nil || !reflect.DeepEqual(got, plain) {
		t.Errorf("JSON record = %+v, %v", got, err)
	}
	good := encodeContent(nil, &plain)
	for n := 1; n < len(good); n += 5 {
		if err := decodeContent(good[:n], &got); !errors.Is(err, ErrCorrupt) {
			t.Errorf("cut at %d: %v, want ErrCorrupt", n, err)
		}
	}
}

// TestLetterAndListPageCodecs: letters and list pages round-trip through
// their binary layouts, their JSON records (written before them) still
// decode, and a cut record is refused.
func TestLetterAndListPageCodecs(t *testing.T) {
	var fullLetter Letter
	fill(t, reflect.ValueOf(&fullLetter), 7)
	letter := Letter{URL: "https://gov.test/hdjl/letter_1.html", Mailbox: "qzxx", Unit: "lzq", Title: "关于路灯的问题",
		Status: "已办结", Received: "2026-03-02 09:15", Replied: "2026-03-04 10:00", Answered: true,
		SnapshotHash: "ab12", FetchedAt: t0, RunID: 2}
	var fullPage ListPage
	fill(t, reflect.ValueOf(&fullPage), 9)
	page := ListPage{URL: "https://gov.test/col/index.html", ETag: `"e1"`, RunID: 3, FetchedAt: t0, Parser: "trs/v1",
		Entries: []ListEntry{{URL: "https://gov.test/a.html", Fields: []string{"标题", "2026-01-02"}}, {Fields: []string{"无链接"}}},
		Next:    []string{"https://gov.test/col/index_1.html"}}
	for name, l := range map[string]Letter{"zero": {}, "every field": fullLetter, "crawled": letter} {
		var got Letter
		if err := decodeLetter(encodeLetter(nil, &l), &got); err != nil || !reflect.DeepEqual(got, l) {
			t.Errorf("letter %s: round trip = %+v, %v; want %+v", name, got, err, l)
		}
	}
	for name, p := range map[string]ListPage{"zero": {}, "every field": fullPage, "crawled": page} {
		var got ListPage
		if err := decodeListPage(encodeListPage(nil, &p), &got); err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("list page %s: round trip = %+v, %v; want %+v", name, got, err, p)
		}
	}
	var gotLetter Letter
	if data, _ := json.Marshal(letter); decodeLetter(data, &gotLetter) != nil || !reflect.DeepEqual(gotLetter, letter) {
		t.Errorf("JSON letter = %+v", gotLetter)
	}
	var gotPage ListPage
	if data, _ := json.Marshal(page); decodeListPage(data, &gotPage) != nil || !reflect.DeepEqual(gotPage, page) {
		t.Errorf("JSON list page = %+v", gotPage)
	}
	goodLetter, goodPage := encodeLetter(nil, &letter), encodeListPage(nil, &page)
	for n := 1; n < len(goodLetter); n += 3 {
		if err := decodeLetter(goodLetter[:n], &gotLetter); !errors.Is(err, ErrCorrupt) {
			t.Errorf("letter cut at %d: %v, want ErrCorrupt", n, err)
		}
	}
	for n := 1; n < len(goodPage); n += 3 {
		if err := decodeListPage(goodPage[:n], &gotPage); !errors.Is(err, ErrCorrupt) {
			t.Errorf("list page cut at %d: %v, want ErrCorrupt", n, err)
		}
	}
}

func TestCodecRefusesDamage(t *testing.T) {
	full := benchItem(1)
	good := encodeItem(nil, &full)
	cases := map[string][]byte{
		"empty":          {},
		"unknown layout": append([]byte{0x7f}, good[1:]...),
		"trailing bytes": append(append([]byte{}, good...), 0),
		"bad flag":       append([]byte{tagItem1, 7}, good[2:]...),
		"huge length":    {tagItem1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"bad JSON":       []byte(`{"url":`),
	}
	for n := 1; n < len(good); n += 7 {
		cases[fmt.Sprintf("cut at %d", n)] = good[:n]
	}
	for name, data := range cases {
		var it Item
		if err := decodeItem(data, &it); err == nil {
			t.Errorf("%s: decoded", name)
		} else if name != "bad JSON" && !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v does not wrap ErrCorrupt", name, err)
		}
		var p Page
		if err := decodePage(data, &p); err == nil && len(data) > 0 {
			// Some cuts of an item may happen to be a whole page; they must
			// still not panic, which reaching here shows.
			_ = p
		}
	}
}

func FuzzDecodeItem(f *testing.F) {
	it := benchItem(1)
	f.Add(encodeItem(nil, &it))
	f.Add(encodeItem(nil, &Item{}))
	p := Page{URL: "u", Status: 200, FetchedAt: t0}
	f.Add(encodePage(nil, &p))
	l := Letter{URL: "u", Mailbox: "m", Received: "2026-01-02 08:00", Answered: true, FetchedAt: t0}
	f.Add(encodeLetter(nil, &l))
	lp := ListPage{URL: "u", Entries: []ListEntry{{URL: "a", Fields: []string{"t", "d"}}}, Next: []string{"n"}}
	f.Add(encodeListPage(nil, &lp))
	f.Fuzz(func(t *testing.T, data []byte) {
		var it Item
		if decodeItem(data, &it) == nil && len(data) > 0 && data[0] == tagItem1 {
			// What decodes re-encodes to a record that decodes.
			var again Item
			if err := decodeItem(encodeItem(nil, &it), &again); err != nil {
				t.Errorf("re-encoded item does not decode: %v", err)
			}
		}
		var p Page
		decodePage(data, &p)
		itemHead(data)
		var l Letter
		decodeLetter(data, &l)
		var lp ListPage
		decodeListPage(data, &lp)
	})
}

func BenchmarkDecodeItem(b *testing.B) {
	it := benchItem(1)
	js, _ := json.Marshal(it)
	bin := encodeItem(nil, &it)
	b.Run(fmt.Sprintf("json/%dB", len(js)), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v Item
			if err := json.Unmarshal(js, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("binary/%dB", len(bin)), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v Item
			if err := decodeItem(bin, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeV1 makes a schema-1 store at path whose items and pages are JSON,
// as govaudit before the binary layout wrote them.
func writeV1(t *testing.T, path string, items []Item, pages []Page, extra func(tx *bolt.Tx) error) {
	t.Helper()
	s, err := open(path, Options{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		for _, it := range items {
			if err := putJSON(tx, bucketItems, it.URL, it); err != nil {
				return err
			}
			if err := putRaw(tx, bucketColItems, []byte(it.Column+sep+it.URL), []byte{}); err != nil {
				return err
			}
		}
		for _, p := range pages {
			if err := putJSON(tx, bucketPages, p.URL, p); err != nil {
				return err
			}
		}
		if extra != nil {
			return extra(tx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestMigrateToBinaryRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	var items []Item
	var pages []Page
	for i := range 2500 { // more than one chunk of the migration
		it := benchItem(i)
		it.Column = fmt.Sprintf("c%d", i%7)
		items = append(items, it)
		pages = append(pages, Page{URL: it.URL, Status: 200, ETag: `"e"`, Hash: it.SnapshotHash, FetchedAt: t0, RunID: 1})
	}
	writeV1(t, path, items, pages, nil)
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrSchema) {
		t.Fatalf("read-only open of a schema-1 store: %v, want ErrSchema", err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.view(func(tx *bolt.Tx) error {
		if v, _ := schemaOf(tx); v != SchemaVersion || SchemaVersion != 2 {
			t.Errorf("schema after open = %d, want 2", v)
		}
		for _, bucket := range []string{bucketItems, bucketPages} {
			n := 0
			eachRaw(tx, bucket, nil, func(k, v []byte) error {
				n++
				if v[0] != tagItem1 {
					t.Errorf("%s/%s still starts with %q", bucket, k, v[0])
				}
				return nil
			})
			if n != len(items) {
				t.Errorf("%s holds %d records after the migration, want %d", bucket, n, len(items))
			}
		}
		return nil
	})
	want := map[string]Item{}
	for _, it := range items {
		want[it.URL] = it
	}
	got := map[string]Item{}
	if err := s.EachItem(func(it Item) error { got[it.URL] = it; return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items after the migration differ (%d, want %d)", len(got), len(want))
	}
	col, err := s.ItemsOfColumn("c3")
	if err != nil || len(col) != 357 {
		t.Errorf("ItemsOfColumn after the migration: %d items, %v", len(col), err)
	}
	byURL, err := s.Pages([]string{pages[0].URL, pages[2499].URL})
	if err != nil || !reflect.DeepEqual(byURL[pages[2499].URL], pages[2499]) || len(byURL) != 2 {
		t.Errorf("Pages after the migration = %v, %v", byURL, err)
	}
}

func TestMigrationOfDamagedRecordChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	it := benchItem(1)
	writeV1(t, path, []Item{it}, nil, func(tx *bolt.Tx) error {
		return putRaw(tx, bucketItems, []byte("http://x/broken"), []byte(`{"url":"http://x/bro`))
	})
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "http://x/broken") {
		t.Fatalf("open with a damaged JSON item: %v, want an error naming it", err)
	}
	s, err := open(path, Options{ReadOnly: true}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.view(func(tx *bolt.Tx) error {
		if v, _ := schemaOf(tx); v != 1 {
			t.Errorf("schema after a failed migration = %d, want 1", v)
		}
		if data := tx.Bucket([]byte(bucketItems)).Get([]byte(it.URL)); len(data) == 0 || data[0] != '{' {
			t.Errorf("a failed migration rewrote a record: %q", data)
		}
		return nil
	})
}

// freelistPages returns the free-list page id of both meta pages of a
// closed store file (bbolt's layout: a 16-byte page header, then magic,
// version, page size, flags, the root bucket's 16 bytes, the free-list
// page id).
func freelistPages(t *testing.T, path string) [2]uint64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.LittleEndian.Uint32(data[24:28]))
	return [2]uint64{binary.LittleEndian.Uint64(data[48:]), binary.LittleEndian.Uint64(data[pageSize+48:])}
}

func TestFreelistIsWritten(t *testing.T) {
	const none = ^uint64(0) // bbolt's "no free list in the file"
	path := filepath.Join(t.TempDir(), "fl.db")
	s, err := Open(path, Options{unsyncedFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sampleBatch()
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := freelistPages(t, path); got != [2]uint64{none, none} {
		t.Fatalf("unsynced free list: meta pages name free-list pages %v", got)
	}
	// Open writes it from then on, so that the next open need not walk
	// the file to rebuild it.
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for i, pg := range freelistPages(t, path) {
		if pg == none || pg < 2 {
			t.Errorf("meta page %d names free-list page %#x, want a page of the file", i, pg)
		}
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if it, ok, err := s.Item(b.Items[0].URL); err != nil || !ok || !reflect.DeepEqual(it, b.Items[0]) {
		t.Errorf("Item after reopening = %+v %v %v", it, ok, err)
	}
}
