package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/web"
)

// While `govaudit serve` or the daemon holds the store (bbolt admits one
// writer), report, check, runs and digest go through its JSON API, which
// runs the same code (package jobs) on the store it holds.

// heldBy returns the API of the server holding the store at path, when
// err says the store is locked and a server answers there; nil otherwise.
func heldBy(path string, err error) *apiReviewer {
	if !errors.Is(err, store.ErrLocked) || path == "" {
		return nil
	}
	ep, eerr := web.ReadEndpoint(path)
	if eerr != nil {
		return nil
	}
	api := &apiReviewer{ep: ep, path: path, client: &http.Client{Timeout: 10 * time.Minute}}
	if api.ping() != nil {
		return nil
	}
	return api
}

// heldByConfig is heldBy for the store of cfg (or --db).
func heldByConfig(cfg *config.Config, db string, err error) *apiReviewer {
	if cfg == nil {
		return nil
	}
	path, perr := storePath(cfg, db)
	if perr != nil {
		return nil
	}
	return heldBy(path, err)
}

// post sends a JSON body and decodes the JSON answer.
func (r *apiReviewer) post(path string, body, out any) error {
	return r.call(http.MethodPost, path, body, out)
}

// raw fetches a file from the API.
func (r *apiReviewer) raw(path string) ([]byte, http.Header, error) {
	req, err := http.NewRequest(http.MethodGet, strings.TrimRight(r.ep.URL, "/")+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.ep.Token)
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("server %s: %w", r.ep.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e web.APIError
		if json.NewDecoder(bytes.NewReader(b)).Decode(&e) == nil && e.Error != "" {
			return nil, nil, fmt.Errorf("server %s: %s", r.ep.URL, e.Error)
		}
		return nil, nil, fmt.Errorf("server %s: HTTP %d", r.ep.URL, resp.StatusCode)
	}
	return b, resp.Header, nil
}
