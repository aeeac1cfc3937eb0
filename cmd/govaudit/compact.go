package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/govaudit/govaudit/store"
)

func compactCmd() command {
	return command{
		name:    "compact",
		summary: "move page bodies out of the store file into its packs and rewrite the file without free space",
		run:     runCompact,
	}
}

func runCompact(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "compact", "[--config FILE] [--db FILE]\n\n"+
		"Moves the page bodies and article texts that a store written by an older govaudit, or\n"+
		"restored from a backup, keeps in its file into the pack files beside it (STORE.packs/),\n"+
		"then rewrites the file without its free pages, checks the copy and puts it in place.\n"+
		"The daemon and every other run must be stopped: the store is opened read-write.")
	sf := addStoreFlags(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	path, err := sf.path()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	res, err := store.Compact(path)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w (stop the daemon or the running job first: compaction rewrites the file)", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "压缩完成：%s 由 %.1f MB 减为 %.1f MB；页面快照与正文 %d 项（%.1f MB）已移入 %s\n",
		path, mb(res.Before), mb(res.After), res.Moved, mb(res.MovedBytes), store.PackDir(path))
	a.log.Info("store compacted", "store", path, "before", res.Before, "after", res.After,
		"moved", res.Moved, "moved_bytes", res.MovedBytes)
	return nil
}

// mb converts bytes to megabytes (10^6) for messages.
func mb(n int64) float64 { return float64(n) / 1e6 }
