package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// storeFlags are the flags of every command that reads the configuration
// and the store.
type storeFlags struct {
	config string
	db     string
}

// addStoreFlags registers --config and --db on fs.
func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	f := &storeFlags{}
	fs.StringVar(&f.config, "config", "govaudit.yaml", "configuration file")
	fs.StringVar(&f.db, "db", "", "store file (default: store.path of the configuration)")
	return f
}

// loadConfig reads the configuration; its errors are configErrors.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, configError{err}
	}
	return cfg, nil
}

// openStore opens the store named by --db or the configuration. A store
// held by another process is reported with a hint at the web UI.
func openStore(cfg *config.Config, db string, readOnly bool) (*store.Store, error) {
	path := db
	if path == "" {
		path = cfg.Store.Path
	}
	if path == "" {
		return nil, configError{fmt.Errorf("%s: store.path is empty and no --db given", cfg.Path)}
	}
	st, err := store.Open(path, store.Options{ReadOnly: readOnly, Timeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w (is `govaudit serve` or `govaudit daemon` running? use its web UI, or stop it first)", err)
	}
	return st, err
}
