package store

import (
	"path/filepath"
	"testing"
	"time"
)

func TestContentRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := Content{URL: "http://a/1.html", PageHash: "h", CheckedAt: time.Unix(100, 0).UTC(),
		Personal:    []PersonalMatch{{Kind: "mobile", Masked: "138****5678", Hash: "abcd", Where: "第 2 行"}},
		Links:       []ContentLink{{URL: "http://x.example.com/", Hidden: "display:none"}},
		Attachments: []AttachmentText{{URL: "http://a/f.pdf", Audited: false, Cause: "无法提取文字：图片型 PDF，无文字层"}}}
	if err := st.PutContents([]Content{c}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = Open(path, Options{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, ok, err := st.Content(c.URL)
	if err != nil || !ok || got.Personal[0].Masked != "138****5678" || got.Attachments[0].Cause == "" || got.Links[0].Hidden == "" {
		t.Fatalf("read back %+v %v %v", got, ok, err)
	}
	all, err := st.Contents()
	if err != nil || len(all) != 1 {
		t.Fatalf("contents %v %v", all, err)
	}
}
