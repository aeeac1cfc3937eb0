package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/govaudit/govaudit/store"
)

func verifyCmd() command {
	return command{
		name:    "verify",
		summary: "check the integrity of the store (pages, findings, index, audit trail)",
		run:     runVerify,
	}
}

func runVerify(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "verify", "[--config FILE] [--db FILE]\n\n"+
		"Opens the store read-only and checks every page of the file, every finding (it decodes,\n"+
		"has a valid status, its id and its rule index entry), every event (it belongs to a finding\n"+
		"or an adjustment) and that each finding's history ends in its status. Prints the counts,\n"+
		"or the problems and exits 1. Backups are checked the same way before they replace a file.")
	sf := addStoreFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	path, err := sf.path()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return err
	}
	st, err := store.Open(path, store.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w (the daemon or another run holds it: stop it, or check a copy with `govaudit backup FILE`, which verifies the copy)", err)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Verify(); err != nil {
		return err
	}
	c, err := st.Count()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "store OK: %d findings, %d events, %d items\n", c.Findings, c.Events, c.Items)
	if c.Staged > 0 {
		fmt.Fprintf(a.stdout, "%d findings of an interrupted check are stored but not shown; the next check removes them\n", c.Staged)
	}
	a.log.Info("store verified", "store", path, "findings", c.Findings, "events", c.Events, "items", c.Items)
	return nil
}
