package crawler

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Content codings. Bodies are decoded here, by the crawler, and never by
// colly: colly inflates gzip (as a Content-Encoding, x-gzip included, or
// a Content-Type naming gzip) after its size limit, so that a 1 MB bomb
// became 1 GiB in memory. Decoded here, the bytes colly reads, and caps at
// crawl.max_body_bytes, are the decoded ones, whatever the encoding.
//
// Handled: gzip, x-gzip, deflate (zlib or raw), identity, stacked in any
// order. Go's transport already decodes the gzip it asked for itself. A
// coding the crawler cannot decode (br, compress…) is not decoded: the
// raw bytes are read under the same cap, and are no page.

// decodeBody replaces res.Body by its decoded form and marks the response
// uncompressed, so that colly leaves it alone. It reports the codings it
// could not decode.
func decodeBody(res *http.Response) (undecoded string) {
	res.Uncompressed = true // colly decodes nothing by itself
	ce := res.Header.Get("Content-Encoding")
	if ce == "" {
		return ""
	}
	codings := strings.Split(ce, ",")
	body := res.Body
	var r io.Reader = body
	// The last coding applied is listed last: undo from the end.
	for i := len(codings) - 1; i >= 0; i-- {
		switch c := strings.ToLower(strings.TrimSpace(codings[i])); c {
		case "", "identity":
		case "gzip", "x-gzip":
			r = &lazyReader{src: r, open: func(src io.Reader) (io.Reader, error) { return gzip.NewReader(src) }, coding: c}
		case "deflate":
			r = &lazyReader{src: r, open: openDeflate, coding: c}
		default:
			// Not decodable here: leave this and the outer codings.
			return strings.Join(codings[:i+1], ",")
		}
	}
	res.Body = readCloser{Reader: r, Closer: body}
	res.Header.Del("Content-Encoding")
	res.Header.Del("Content-Length")
	res.ContentLength = -1
	return ""
}

// openDeflate reads "deflate" as servers send it: zlib-wrapped, as the
// RFC says, or raw DEFLATE, as some servers do.
func openDeflate(src io.Reader) (io.Reader, error) {
	br := bufio.NewReader(src)
	h, err := br.Peek(2)
	if err != nil {
		return nil, err
	}
	if h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// lazyReader opens its decoder at the first Read (a HEAD or an empty body
// has nothing to decode).
type lazyReader struct {
	src    io.Reader
	open   func(io.Reader) (io.Reader, error)
	coding string
	r      io.Reader
	err    error
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if l.r == nil && l.err == nil {
		if l.r, l.err = l.open(l.src); l.err != nil {
			if l.err == io.EOF {
				return 0, io.EOF // an empty body
			}
			l.err = fmt.Errorf("decode %s body: %w", l.coding, l.err)
		}
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.r.Read(p)
}

type readCloser struct {
	io.Reader
	io.Closer
}
