package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/govaudit/govaudit/daemon"
)

func backupCmd() command {
	return command{
		name:    "backup",
		summary: "write a consistent copy of the store to FILE, even while the daemon runs",
		run:     runBackup,
	}
}

func runBackup(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "backup", "[--config FILE] [--db FILE] [--socket PATH] FILE|-\n\n"+
		"Copies the store through one bbolt read transaction, so the copy is consistent. When the\n"+
		"daemon holds the store, the copy is streamed from it over its admin socket (STORE.sock,\n"+
		"mode 0600: run this as the daemon's user). The copy is written to a temporary file, checked\n"+
		"by opening it, and renamed to FILE; \"-\" writes to standard output instead.")
	sf := addStoreFlags(fs)
	socket := fs.String("socket", "", "the daemon's admin socket (default: the store path + .sock)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("give the backup FILE (or - for standard output)")}
	}
	path, err := sf.path()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	dst := fs.Arg(0)
	n, err := daemon.Backup(ctx, path, *socket, dst, a.stdout)
	if err != nil {
		return err
	}
	if dst != "-" {
		fmt.Fprintf(a.stdout, "备份完成：%s（%d 字节，已校验可打开）\n", dst, n)
	}
	a.log.Info("backup written", "store", path, "file", dst, "bytes", n)
	return nil
}
