package extract

import "github.com/andybalholm/cascadia"

// bodyMatchers are bodySelectors compiled.
var bodyMatchers = func() map[string][]cascadia.Selector {
	out := map[string][]cascadia.Selector{}
	for fam, list := range bodySelectors {
		for _, s := range list {
			out[fam] = append(out[fam], cascadia.MustCompile(s))
		}
	}
	return out
}()

// The CSS selectors of the extractors, compiled once (goquery's Find
// compiles its selector string on every call). They are immutable.
var (
	selA            = cascadia.MustCompile("a")
	selAHref        = cascadia.MustCompile("a[href]")
	selScriptLink   = cascadia.MustCompile("a[onclick], a[href^='javascript:'], a[href^='JavaScript:']")
	selBody         = cascadia.MustCompile("body")
	selChannelLinks = cascadia.MustCompile(".channel-list a[href]")
	selCatalogLinks = cascadia.MustCompile("a[href], a[onclick], a[data-url], a[data-href]")
	selDateCells    = cascadia.MustCompile("span, em, i, font, .date, .time, td")
	selDocListItems = cascadia.MustCompile("ul.doc-list li")
	selLetterList   = cascadia.MustCompile("table.letter-list")
	selHeaderRows   = cascadia.MustCompile("tr, ul, ol, div, dl, thead")
	selBlockRows    = cascadia.MustCompile("ul, ol, dl, div")
	selLi           = cascadia.MustCompile("li")
	selLiTr         = cascadia.MustCompile("li, tr")
	selRecord       = cascadia.MustCompile("div.govaudit-record")
	selBlocks       = cascadia.MustCompile("div, p, dd, dl")
	selMetaName     = cascadia.MustCompile("meta[name]")
	selScript       = cascadia.MustCompile("script")
	selTable        = cascadia.MustCompile("table")
	selTr           = cascadia.MustCompile("tr")
)
