package rules

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"golang.org/x/net/html"

	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/textract"
)

// This file gives the content checks (wording, interpretation, validity)
// the text of an article: its body as plain text and the links of its
// page, as the crawler stored it with the page (Input.Text), or else read
// from the page's snapshot (Input.Snapshot) by the same reader
// (textract.ReadArticle).
// The snapshot is untrusted HTML: it is only parsed, never rendered, and
// what is kept of it is bounded (maxArticleText).

// articleText is what the content checks read of an article page.
type articleText = textract.ArticleText

// textCache holds the article texts of one evaluation, by snapshot hash.
type textCache struct {
	mu sync.Mutex
	m  map[string]articleText
}

// text returns the text of an item's page and whether it could be read.
// An item without a snapshot (or a store without snapshots) has none; a
// read error other than a missing snapshot stops the evaluation.
func (e *env) text(it *item) (articleText, bool) {
	if e.err != nil || e.in.Snapshot == nil || it.SnapshotHash == "" {
		return articleText{}, false
	}
	if e.in.texts == nil {
		e.in.texts = &textCache{m: map[string]articleText{}}
	}
	c := e.in.texts
	c.mu.Lock()
	t, ok := c.m[it.SnapshotHash]
	c.mu.Unlock()
	if ok {
		return t, true
	}
	t, ok = e.storedText(it)
	if e.err != nil {
		return articleText{}, false
	}
	if !ok {
		body, err := e.in.Snapshot(it.SnapshotHash)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return articleText{}, false
			}
			e.err = fmt.Errorf("read snapshot of %s: %w", it.URL, err)
			return articleText{}, false
		}
		t = parseArticleText(body, it.URL)
	}
	c.mu.Lock()
	c.m[it.SnapshotHash] = t
	c.mu.Unlock()
	return t, true
}

// storedText returns the text the crawler stored with an item's page
// (Input.Text), if there is one that the current reader wrote.
func (e *env) storedText(it *item) (articleText, bool) {
	if e.in.Text == nil {
		return articleText{}, false
	}
	data, err := e.in.Text(it.SnapshotHash)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			e.err = fmt.Errorf("read the article text of %s: %w", it.URL, err)
		}
		return articleText{}, false
	}
	t, err := textract.DecodeArticleText(data)
	if err != nil {
		return articleText{}, false // another reader's text: read the page again
	}
	return t, true
}

// parseArticleText extracts the body text and the links of an HTML page
// whose URL is base.
func parseArticleText(page []byte, base string) articleText {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return articleText{}
	}
	bu, _ := url.Parse(base)
	return textract.ReadArticle(doc, bu)
}
