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

// parseNoArgs parses args like parseFlags and refuses any argument left
// after the flags.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// storePath is the store file named by --db or the configuration.
func storePath(cfg *config.Config, db string) (string, error) {
	if db != "" {
		return db, nil
	}
	if cfg.Store.Path == "" {
		return "", configError{fmt.Errorf("%s: store.path is empty and no --db given", cfg.Path)}
	}
	return cfg.Store.Path, nil
}

// path returns the store file: --db, else store.path of the configuration,
// which is then read.
func (f *storeFlags) path() (string, error) {
	if f.db != "" {
		return f.db, nil
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return "", err
	}
	return storePath(cfg, "")
}

// configIfNeeded reads the configuration unless --db alone names the
// store (no --config on the command line of fs and no configuration file),
// when it returns an empty one. path is --db, else store.path, and may be
// "".
func (f *storeFlags) configIfNeeded(fs *flag.FlagSet) (cfg *config.Config, path string, err error) {
	cfg = &config.Config{}
	if f.db == "" || flagSet(fs, "config") || fileExists(f.config) {
		if cfg, err = loadConfig(f.config); err != nil {
			return nil, "", err
		}
	}
	path = f.db
	if path == "" {
		path = cfg.Store.Path
	}
	return cfg, path, nil
}

// open reads the configuration and opens the store it names (or --db).
func (f *storeFlags) open(readOnly bool) (*config.Config, *store.Store, error) {
	cfg, err := loadConfig(f.config)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(cfg, f.db, readOnly)
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
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
	path, err := storePath(cfg, db)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(path, store.Options{ReadOnly: readOnly, Timeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w (is `govaudit serve` or `govaudit daemon` running? use its web UI, or stop it first)", err)
	}
	return st, err
}
