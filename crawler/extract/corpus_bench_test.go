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
