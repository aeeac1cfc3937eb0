package extract

import (
	"testing"
)

// BenchmarkCorpus extracts every page of the corpus once per iteration,
// each with the extractor of its kind, and reports the time per page.
//
//	go test -run '^$' -bench Corpus -benchmem ./crawler/extract/
func BenchmarkCorpus(b *testing.B) {
	kinds := map[string][]Page{}
	var all []Page
	var allKinds []string
	for _, c := range corpusCases {
		p := corpusPage(b, c)
		kinds[c.kind] = append(kinds[c.kind], p)
		all = append(all, p)
		allKinds = append(allKinds, c.kind)
	}
	run := func(b *testing.B, pages []Page, kindOf func(i int) string) {
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			for i, p := range pages {
				extractAs(b, kindOf(i), p)
			}
		}
		cpu = processCPU() - cpu
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pages)), "ns/page")
		// CPU time, garbage collection included, tells more than wall
		// time on a machine shared with other work.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(pages)), "cpu-ns/page")
	}
	b.Run("all", func(b *testing.B) { run(b, all, func(i int) string { return allKinds[i] }) })
	for _, k := range []string{"list", "article", "letters"} {
		b.Run(k, func(b *testing.B) { run(b, kinds[k], func(int) string { return k }) })
	}
}

func extractAs(_ *testing.B, kind string, p Page) {
	var err error
	switch kind {
	case "list":
		_, err = List(p)
	case "proxy":
		_, err = HanwebProxy(p)
	case "article":
		_, err = ParseArticle(p)
	case "letters":
		_, err = Letters(p)
	case "letter":
		_, err = ParseLetter(p)
	case "catalog":
		_, err = Catalog(p)
	}
	_ = err // main's code fails on some pages; the time counts all the same
}

// BenchmarkFixtures is BenchmarkCorpus over the crawler's older fixtures
// (crawler/testdata), the layouts every version of the extractor reads
// alike: a like-for-like measure of the cost per page across versions.
//
//	go test -run '^$' -bench Fixtures -benchmem ./crawler/extract/
func BenchmarkFixtures(b *testing.B) {
	const s = "http://www.example.gov.cn"
	cases := []struct{ url, file, kind string }{
		{s + "/gongkai/site_lzqfgj/channel_c_5f1a2b3c4d5e6f7a8b9c0d1f_n_1600000001/", "gongkai_list.html", "list"},
		{s + "/gongkai/site_lzqfgj/doc_0a1b2c3d4e5f60718293a4b5.html", "gongkai_doc.html", "article"},
		{s + "/gongkai/site_lzqfgj/", "gongkai_catalog.html", "catalog"},
		{s + "/col/col1229/index.html", "hanweb_col.html", "list"},
		{s + "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=48&perpage=3", "hanweb_proxy.xml", "proxy"},
		{s + "/art/2026/3/17/art_1229_3099.html", "hanweb_art.html", "article"},
		{s + "/jtj/zcwj/index.html", "trs_index.html", "list"},
		{s + "/jtj/zcwj/202103/t20210317_6512345.html", "trs_art_gbk.html", "article"},
		{s + "/qzxx/list.html", "mailbox_table.html", "letters"},
		{s + "/bmxx/list.html", "mailbox_script.html", "letters"},
		{s + "/qzxx/letter_1234.html", "letter.html", "letter"},
		{s + "/qzxx/letter_1201.html", "letter_unanswered.html", "letter"},
	}
	pages := make([]Page, len(cases))
	for i, c := range cases {
		pages[i] = page(b, c.url, c.file, "")
	}
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		for i, p := range pages {
			extractAs(b, cases[i].kind, p)
		}
	}
	cpu = processCPU() - cpu
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pages)), "ns/page")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(pages)), "cpu-ns/page")
}
