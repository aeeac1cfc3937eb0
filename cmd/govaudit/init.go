package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/govaudit/govaudit/config"
)

func initCmd() command {
	return command{
		name:    "init",
		summary: "write a commented starter configuration (46 units, column templates)",
		run:     runInit,
	}
}

// runInit writes config.Starter() to FILE (default govaudit.yaml), refusing
// to replace an existing file unless --force is given.
func runInit(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "init", "[--force] [FILE]\n\nWrites a commented starter configuration (default file govaudit.yaml) listing\nthe 46 assessed units and a typical set of column templates.")
	force := fs.Bool("force", false, "overwrite FILE if it exists")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{fmt.Errorf("at most one FILE, got %d arguments", fs.NArg())}
	}
	path := "govaudit.yaml"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	if err := writeStarter(path, *force); err != nil {
		return err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return fmt.Errorf("the starter configuration does not load (a bug): %w", err)
	}
	fmt.Fprintf(a.stdout, "wrote %s: %d units, %d column templates, store %s\n", path, len(cfg.Units), len(cfg.Templates), cfg.Store.Path)
	fmt.Fprintf(a.stdout, "next: set site.base_url and each unit's catalog and email, then run\n  govaudit crawl --config %s\n", path)
	return nil
}

// writeStarter writes the starter file; without force an existing file is
// an error and is left untouched.
func writeStarter(path string, force bool) error {
	data := config.Starter()
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists (use --force to overwrite it)", path)
		}
		if err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	return writeFileAtomic(path, data, 0o644)
}
