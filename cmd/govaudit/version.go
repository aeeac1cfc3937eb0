package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

func versionCmd() command {
	return command{
		name:    "version",
		summary: "print the version",
		run: func(ctx context.Context, a *app, args []string) error {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok {
				if bi.Main.Version != "" {
					v = bi.Main.Version
				}
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v += " " + s.Value[:12]
					}
				}
			}
			fmt.Fprintln(a.stdout, "govaudit", v)
			return nil
		},
	}
}
