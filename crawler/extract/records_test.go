package extract

import (
	"bytes"
	"regexp"
	"testing"
)

// reRecordRef is the regular expression hanwebRecords implements by
// scanning; the tests hold the scanner to it.
var reRecordRef = regexp.MustCompile(`(?s)<record>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>`)

// sameRecords reports whether the scanner's records equal the regexp's:
// the same whole elements and the same content of each group (a group
// the record does not use is empty in both).
func sameRecords(t *testing.T, body []byte) {
	t.Helper()
	want := reRecordRef.FindAllSubmatch(body, -1)
	got := hanwebRecords(body)
	if len(got) != len(want) {
		t.Fatalf("%q: %d records, the regexp finds %d", body, len(got), len(want))
	}
	for i := range want {
		for g := 0; g < 3; g++ {
			if !bytes.Equal(got[i][g], want[i][g]) {
				t.Fatalf("%q: record %d group %d = %q, the regexp gives %q", body, i, g, got[i][g], want[i][g])
			}
			if g > 0 && (got[i][g] == nil) != (want[i][g] == nil) && len(want[i][g]) > 0 {
				t.Fatalf("%q: record %d group %d participation differs", body, i, g)
			}
		}
	}
}

func TestHanwebRecordsMatchRegexp(t *testing.T) {
	for _, body := range []string{
		"",
		"no records here",
		"<record>",
		"<record></record>",
		"<record>  </record>",
		"<record><![CDATA[<li>a</li>]]></record>",
		"<record>\n\t<![CDATA[<li>a</li>]]>\r\n </record><record><![CDATA[b]]></record>",
		"<record> plain &lt;li&gt; \f</record>",
		"<record><![CDATA[a]]>x</record>",
		"<record><![CDATA[a]]>x</record><record><![CDATA[b]]></record>",
		"<record><![CDATA[a]]]></record>",
		"<record><![CDATA[a]]> ]]></record>",
		"<record><![CDATA[unclosed</record>",
		"<record><![CDATA[]]></record>",
		"<record>\v<![CDATA[x]]></record>",
		"<record><record>a</record></record>",
		"x<record>a</record>y<record> b </record>z<record>c",
		"<datastore><nextgroup><![CDATA[<a href=\"/p\">]]></nextgroup><recordset><record><![CDATA[<li><a href=\"/a\">甲</a><span>2026-01-02</span></li>]]></record>\n<record><![CDATA[<li>乙</li>]]></record></recordset></datastore>",
		"<record>\xff\xfe</record><record><![CDATA[\xc3]]></record>",
	} {
		sameRecords(t, []byte(body))
	}
	sameRecords(t, fixture(t, "hanweb_proxy.xml"))
	sameRecords(t, fixture(t, "hanweb_col.html"))
}

func FuzzHanwebRecords(f *testing.F) {
	seeds(f)
	f.Add([]byte("<record><![CDATA[a]]>x</record><record> b </record>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameRecords(t, body)
	})
}

// BenchmarkHanwebRecords compares the scanner with the regexp it
// replaces on a data-proxy answer.
func BenchmarkHanwebRecords(b *testing.B) {
	body := fixture(b, "hanweb_proxy.xml")
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			hanwebRecords(body)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			reRecordRef.FindAllSubmatch(body, -1)
		}
	})
}
