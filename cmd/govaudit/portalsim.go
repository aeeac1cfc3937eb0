package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/portalsim"
)

func portalsimCmd() command {
	return command{
		name:    "portalsim",
		summary: "serve the simulated district portal (demo target, test fixture)",
		run:     runPortalsim,
	}
}

// simZone is China Standard Time, in which the portal's "today" is a date.
var simZone = time.FixedZone("CST", 8*3600)

// simFlags are the flags that shape a simulated portal.
type simFlags struct {
	seed  int64
	today string
	units int
	items int
	// chMin, chMax and letters shape the benchmark's district-scale portal
	// (0: portalsim's defaults).
	chMin, chMax int
	letters      int
	// layouts is the portal's layout set: varied (every unit draws its
	// page layouts from variants modelled on public portals) or classic.
	layouts string
}

func (f *simFlags) register(fs interface {
	Int64Var(*int64, string, int64, string)
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
}) {
	fs.Int64Var(&f.seed, "seed", 1, "seed of the generated portal (same seed and date, same portal)")
	fs.StringVar(&f.today, "today", "", "the portal's today, YYYY-MM-DD (default: today in China Standard Time)")
	fs.IntVar(&f.units, "units", 0, "number of units, the first ones of the 46 (default all 46)")
	fs.IntVar(&f.items, "items", 0, "average items per channel (default 12)")
	fs.IntVar(&f.chMin, "channels-min", 0, "fewest channels in a unit's catalog (default 10)")
	fs.IntVar(&f.chMax, "channels-max", 0, "most channels in a unit's catalog (default 20)")
	fs.IntVar(&f.letters, "letters", 0, "letters in the 区长信箱; each 部门信箱 gets a third (default 60)")
	fs.StringVar(&f.layouts, "layouts", string(portalsim.LayoutsVaried), "page layouts: varied (every unit draws its layouts from variants of real portals) or classic (one per family)")
}

// options turns the flags into portalsim options; now gives the default today.
func (f *simFlags) options(now time.Time) (portalsim.Options, error) {
	today := now.In(simZone)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, simZone)
	if f.today != "" {
		t, err := time.ParseInLocation("2006-01-02", f.today, simZone)
		if err != nil {
			return portalsim.Options{}, usageError{fmt.Errorf("--today %q: want a date such as 2026-11-27", f.today)}
		}
		today = t
	}
	if f.units < 0 || f.units > len(config.DefaultUnits()) {
		return portalsim.Options{}, usageError{fmt.Errorf("--units %d: between 1 and %d", f.units, len(config.DefaultUnits()))}
	}
	if f.items < 0 {
		return portalsim.Options{}, usageError{fmt.Errorf("--items %d cannot be negative", f.items)}
	}
	if f.chMin < 0 || f.chMax < 0 || f.letters < 0 {
		return portalsim.Options{}, usageError{fmt.Errorf("--channels-min, --channels-max and --letters cannot be negative")}
	}
	lay, err := portalsim.ParseLayouts(f.layouts)
	if err != nil {
		return portalsim.Options{}, usageError{fmt.Errorf("--layouts %q: want classic or varied", f.layouts)}
	}
	return portalsim.Options{Seed: f.seed, Today: today, Units: f.units, Items: f.items,
		ChannelsMin: f.chMin, ChannelsMax: f.chMax, Letters: f.letters, Layouts: lay,
		Content: true}, nil // Content: the content checks' pages (issue 15)
}

func runPortalsim(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "portalsim", "[--addr HOST:PORT] [--seed N] [--today YYYY-MM-DD] [--units N] [--items N]\n  [--channels-min N] [--channels-max N] [--letters N] [--layouts varied|classic]\n  [--truth FILE] [--config-out FILE]\n\nServes the simulated district portal until interrupted. --truth writes its ground\ntruth (every injected violation) as JSON; --config-out writes a govaudit\nconfiguration that audits it.")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	truth := fs.String("truth", "", "write the ground truth JSON to FILE")
	configOut := fs.String("config-out", "", "write a govaudit configuration for the portal to FILE")
	var sf simFlags
	sf.register(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	opt, err := sf.options(time.Now())
	if err != nil {
		return err
	}
	sim, err := portalsim.New(opt)
	if err != nil {
		return fmt.Errorf("generate portal: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String() + "/"
	if *truth != "" {
		if err := sim.Truth(base).WriteFile(*truth); err != nil {
			ln.Close()
			return fmt.Errorf("write ground truth: %w", err)
		}
	}
	if *configOut != "" {
		if err := writeSimConfig(sim.Config(base), *configOut, ""); err != nil {
			ln.Close()
			return err
		}
	}
	fmt.Fprintf(a.stdout, "portalsim: serving %s (seed %d, today %s, %s layouts)\n", base, opt.Seed, opt.Today.Format("2006-01-02"), opt.Layouts)
	if *truth != "" {
		fmt.Fprintf(a.stdout, "portalsim: ground truth in %s\n", *truth)
	}
	if *configOut != "" {
		fmt.Fprintf(a.stdout, "portalsim: configuration in %s (govaudit crawl --config %s)\n", *configOut, *configOut)
	}
	fmt.Fprintln(a.stdout, "portalsim: press Ctrl-C to stop")
	return serveUntilDone(ctx, ln, sim.Handler())
}

// serveUntilDone serves the simulated portal h on ln until ctx is
// cancelled, then shuts down.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	return runServer(ctx, ln, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, 5*time.Second)
}

// writeSimConfig validates cfg and writes it as YAML to path. With a
// non-empty storePath the store goes there, else next to the file.
func writeSimConfig(cfg *config.Config, path, storePath string) error {
	return writeSimConfigNote(cfg, path, storePath, "")
}

// writeSimConfigNote is writeSimConfig with note (comment lines, each
// starting with "# ") added to the file's header.
func writeSimConfigNote(cfg *config.Config, path, storePath, note string) error {
	cfg.Path = path
	if storePath != "" {
		cfg.Store.Path = storePath
	} else {
		cfg.Store.Path = filepath.Join(filepath.Dir(path), config.DefaultStorePath)
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("the simulated portal's configuration is invalid (a bug): %w", err)
	}
	data, err := cfg.Marshal()
	if err != nil {
		return err
	}
	head := "# govaudit configuration for the simulated portal (govaudit portalsim / govaudit demo).\n" +
		"# The portal at " + cfg.Site.BaseURL + " exists only while portalsim runs.\n" + note
	// The demo's holds a password hash: readable by its owner only.
	mode := os.FileMode(0o644)
	if len(cfg.Inspectors) > 0 {
		mode = 0o600
	}
	if err := writeFileAtomic(path, append([]byte(head), data...), mode); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}
