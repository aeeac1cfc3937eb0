package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/govaudit/govaudit/web"
)

// TestServeRemovesEndpointOnExit: serve writes its endpoint file while it
// runs and removes it when it stops, by its context (Ctrl-C, SIGTERM) or
// by SIGHUP (its terminal closed).
func TestServeRemovesEndpointOnExit(t *testing.T) {
	for _, how := range []string{"cancel", "SIGHUP"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeTestConfig(t, dir, "serve.db")
			db := filepath.Join(dir, "serve.db")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan int, 1)
			var out, errb bytes.Buffer
			go func() { done <- runMain(ctx, []string{"serve", "--config", cfg, "--addr", "127.0.0.1:0"}, &out, &errb) }()
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := os.Stat(web.EndpointPath(db)); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no endpoint file after 10 s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if how == "cancel" {
				cancel()
			} else if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exited %d: %s", code, errb.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not stop")
			}
			if _, err := os.Stat(web.EndpointPath(db)); !os.IsNotExist(err) {
				t.Errorf("endpoint file left behind after %s (%v)", how, err)
			}
		})
	}
}
