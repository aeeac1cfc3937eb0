package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/govaudit/govaudit/web"
)

func serveCmd() command {
	return command{
		name:    "serve",
		summary: "serve the review web UI where inspectors sign in and decide findings",
		run:     runServe,
	}
}

func runServe(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "serve", "[--addr HOST:PORT] [--config FILE] [--db FILE]\n\n"+
		"Serves the review UI. It listens on loopback unless told otherwise; put it behind an\n"+
		"HTTPS reverse proxy to serve other machines. While it runs it holds the store:\n"+
		"`govaudit findings confirm …` and the other review commands then go through its API.")
	sf := addStoreFlags(fs)
	addr := fs.String("addr", "", "listen address (default: web.addr of the configuration, else 127.0.0.1:8080)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	// A closed terminal (SIGHUP) stops serve like Ctrl-C or SIGTERM
	// (main), so that it removes its endpoint file and closes the store.
	ctx, stopHangup := signal.NotifyContext(ctx, syscall.SIGHUP)
	defer stopHangup()
	listen := *addr
	if listen == "" {
		listen = cfg.Web.Addr
	}
	if listen == "" {
		listen = "127.0.0.1:8080"
	}
	if _, _, err := net.SplitHostPort(listen); err != nil {
		return usageError{fmt.Errorf("--addr %q: %w", listen, err)}
	}
	st, err := openStore(cfg, sf.db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := web.New(web.Options{Config: cfg, Store: st, Log: a.log})
	if err != nil {
		return configError{err}
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	url := endpointURL(ln.Addr())
	if err := web.WriteEndpoint(st.Path(), web.Endpoint{URL: url, Token: srv.APIToken(), PID: os.Getpid()}); err != nil {
		ln.Close()
		return err
	}
	defer web.RemoveEndpoint(st.Path(), srv.APIToken())

	if len(cfg.Inspectors) == 0 && cfg.Web.SSOHeader == "" && !cfg.Web.AllowViewers {
		a.log.Warn("no inspector can sign in: add one with `govaudit user add NAME`", "config", cfg.Path)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		a.log.Warn("the review UI listens beyond loopback; serve it through an HTTPS proxy", "addr", ln.Addr().String())
	}
	a.log.Info("review UI ready", "url", url, "store", st.Path())
	fmt.Fprintf(a.stdout, "govaudit serve: review UI at %s (Ctrl-C to stop)\n", url)
	return serveHTTP(ctx, ln, srv.Handler())
}

// serveHTTP serves h on ln with timeouts until ctx is cancelled.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler) error {
	return runServer(ctx, ln, web.NewHTTPServer(h, web.Timeouts{}, nil), 10*time.Second)
}

// runServer runs srv on ln until ctx is cancelled, then shuts it down,
// giving requests in flight up to grace to finish.
func runServer(ctx context.Context, ln net.Listener, srv *http.Server, grace time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// endpointURL is the URL at which this machine reaches a listener: an
// unspecified address (0.0.0.0, ::) is reached on loopback.
func endpointURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}
