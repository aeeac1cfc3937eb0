package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
)

// profiled wraps a subcommand so that --cpuprofile FILE writes a CPU
// profile of its whole run and --memprofile FILE a heap profile taken
// when it ends (after a GC; alloc_space holds every allocation of the run).
// Both are for `go tool pprof`.
func profiled(run func(context.Context, *app, []string) error) func(context.Context, *app, []string) error {
	return func(ctx context.Context, a *app, args []string) (err error) {
		files, rest, perr := splitProfileFlags(args)
		if perr != nil {
			return usageError{perr}
		}
		if path := files["cpuprofile"]; path != "" {
			f, err := os.Create(path)
			if err != nil {
				return fmt.Errorf("cpu profile: %w", err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				f.Close()
				return fmt.Errorf("cpu profile %s: %w", path, err)
			}
			defer func() {
				pprof.StopCPUProfile()
				if cerr := f.Close(); cerr != nil {
					err = errors.Join(err, fmt.Errorf("cpu profile %s: %w", path, cerr))
				}
			}()
		}
		if path := files["memprofile"]; path != "" {
			defer func() {
				if merr := writeHeapProfile(path); merr != nil {
					err = errors.Join(err, merr)
				}
			}()
		}
		return run(ctx, a, rest)
	}
}

// writeHeapProfile writes the heap profile to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("heap profile %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("heap profile %s: %w", path, err)
	}
	return nil
}

// splitProfileFlags takes the profile flags (-name FILE, --name FILE,
// --name=FILE) out of args, up to a "--".
func splitProfileFlags(args []string) (files map[string]string, rest []string, err error) {
	files = map[string]string{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || !isProfileFlag(name) {
			rest = append(rest, arg)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("flag needs an argument: -%s", name)
			}
			i++
			value = args[i]
		}
		if value == "" {
			return nil, nil, fmt.Errorf("-%s: empty file name", name)
		}
		files[name] = value
	}
	return files, rest, nil
}

// isProfileFlag reports whether name is one of the hidden developer flags
// (bench/run uses them; they are not in the usage).
func isProfileFlag(name string) bool {
	return name == "cpuprofile" || name == "memprofile"
}
