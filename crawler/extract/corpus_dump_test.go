package extract

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

func TestCorpusDump(t *testing.T) {
	if os.Getenv("CORPUS_DUMP") == "" {
		t.Skip()
	}
	for _, c := range corpusCases {
		b, err := os.ReadFile(filepath.Join("testdata", "corpus", c.file))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(c.url)
		p := Page{URL: u, Body: b, Family: c.family, Now: now, ListDate: c.listDate}
		fmt.Println("=====", c.file, c.kind)
		switch c.kind {
		case "list":
			lp, err := List(p)
			fmt.Printf("%v fam=%s next=%q pages=%q count=%d\n", err, lp.Family, lp.Next, lp.Pages, lp.PageCount)
			if lp.Hanweb != nil {
				fmt.Printf("hanweb %+v\n", *lp.Hanweb)
			}
			for _, e := range lp.Entries {
				fmt.Printf("  %+v\n", e)
			}
		case "proxy":
			pp, err := HanwebProxy(p)
			fmt.Println(err, pp.Total)
			for _, e := range pp.Entries {
				fmt.Printf("  %+v\n", e)
			}
		case "article":
			a, err := ParseArticle(p)
			fmt.Println(err)
			fmt.Printf("title=%q pub=%s (%s) written=%s (%s)\n docno=%q index=%q publisher=%q validity=%q subject=%q\n", a.Title, a.Published, a.PublishedFrom, a.Written, a.WrittenFrom, a.DocNo, a.IndexNo, a.Publisher, a.Validity, a.Subject)
			for _, at := range a.Attachments {
				fmt.Printf("  att %+v\n", at)
			}
			fmt.Printf("  named %q\n", a.Named)
		case "letters":
			ll, err := Letters(p)
			fmt.Println(err, ll.Found, ll.Next, ll.Pages)
			if ll.Proxy != nil {
				fmt.Printf("proxy %+v\n", *ll.Proxy)
			}
			for _, r := range ll.Rows {
				fmt.Printf("  %+v\n", r)
			}
		case "letter":
			l, err := ParseLetter(p)
			fmt.Printf("%v %+v\n", err, l)
		case "catalog":
			chs, err := Catalog(p)
			fmt.Println(err, chs)
		}
	}
}
