package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/govaudit/govaudit/store"
)

// adminServer serves the backup on a Unix socket next to the store file,
// so that only the store's owner (file mode 0600) can copy it.
type adminServer struct {
	path string
	ln   net.Listener
	srv  *http.Server
}

// listenAdmin opens the admin socket; nil when disabled.
func (d *Daemon) listenAdmin() (*adminServer, error) {
	path := d.opt.AdminSocket
	if path == "-" {
		return nil, nil
	}
	if path == "" {
		path = BackupSocket(d.st.Path())
	}
	// A socket left by a daemon that died is in the way; a live daemon
	// cannot be (it would hold the store).
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(path)
	}
	// The socket appears under its name already 0600: it is bound under a
	// temporary name, restricted, then renamed (no moment where another
	// user could connect; no process-wide umask to change).
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	os.Remove(tmp)
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false) // the daemon removes path itself
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		// The outcome comes after the body, in trailers: the copy is
		// streamed from one read transaction.
		w.Header().Set("Trailer", "X-Backup-Bytes, X-Backup-Error")
		w.Header().Set("Content-Type", "application/octet-stream")
		n, err := d.st.Backup(w, "") // built beside the store, which the daemon may write
		if err != nil {
			w.Header().Set("X-Backup-Error", oneLine(err))
			d.log.Error("backup over the admin socket failed", "err", err, "written", n)
			return
		}
		w.Header().Set("X-Backup-Bytes", strconv.FormatInt(n, 10))
		d.log.Info("backup copied over the admin socket", "bytes", n)
	})
	mux.HandleFunc("GET /healthz", d.healthz)
	return &adminServer{path: path, ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		// A backup of a large store takes minutes to stream.
		WriteTimeout: time.Hour, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}}, nil
}

// Backup writes a consistent copy of the store at storePath to dst: from
// the file itself when no other process holds it, or else from the
// running daemon through its admin socket (socket; "" means the default).
// The copy is written to a temporary file, synced, verified (Verify), and
// renamed into place; dst "-" writes to stdout instead (unchecked). It
// returns the bytes written.
func Backup(ctx context.Context, storePath, socket, dst string, stdout io.Writer) (int64, error) {
	if socket == "" {
		socket = BackupSocket(storePath)
	}
	var out io.Writer = stdout
	var tmp *os.File
	if dst != "-" {
		abs, err := filepath.Abs(dst)
		if err != nil {
			return 0, err
		}
		if same(abs, storePath) {
			return 0, fmt.Errorf("backup %s: the copy would overwrite the store itself", dst)
		}
		tmp, err = os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".*.tmp")
		if err != nil {
			return 0, fmt.Errorf("backup: %w", err)
		}
		defer os.Remove(tmp.Name()) // after a successful rename, a no-op
		defer tmp.Close()
		out = tmp
	}
	// The copy of a store whose page bodies are in packs is built in a
	// temporary file first: beside the destination, which the caller may
	// write (a backup job need not be allowed to write the store's
	// directory).
	tmpDir := os.TempDir()
	if tmp != nil {
		tmpDir = filepath.Dir(tmp.Name())
	}
	n, err := copyStore(ctx, storePath, socket, tmpDir, out)
	if err != nil {
		return n, err
	}
	if tmp == nil {
		return n, nil
	}
	if err := tmp.Sync(); err != nil {
		return n, fmt.Errorf("backup: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return n, fmt.Errorf("backup: close %s: %w", tmp.Name(), err)
	}
	if err := Verify(tmp.Name()); err != nil {
		return n, fmt.Errorf("backup: the copy fails verification (%s is left as it was): %w", dst, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// same reports whether two paths name the same existing file.
func same(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// copyStore writes the store to w, directly (building it in tmpDir, see
// store.Backup) or through the socket.
func copyStore(ctx context.Context, storePath, socket, tmpDir string, w io.Writer) (int64, error) {
	st, err := store.Open(storePath, store.Options{ReadOnly: true, Timeout: time.Second})
	if err == nil {
		defer st.Close()
		n, err := st.Backup(w, tmpDir)
		if err != nil {
			return n, fmt.Errorf("backup %s: %w", storePath, err)
		}
		return n, nil
	}
	if !errors.Is(err, store.ErrLocked) {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if _, serr := os.Stat(socket); serr != nil {
		return 0, fmt.Errorf("backup: another govaudit run holds %s and it offers no backup socket (%s); try again when it has finished", storePath, socket)
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://govaudit/backup", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("backup through the daemon's socket %s: %w", socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("backup through the daemon's socket %s: HTTP %d", socket, resp.StatusCode)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup through the daemon's socket: %w", err)
	}
	if e := resp.Trailer.Get("X-Backup-Error"); e != "" {
		return n, fmt.Errorf("backup through the daemon's socket: the daemon failed: %s", e)
	}
	if want, err := strconv.ParseInt(resp.Trailer.Get("X-Backup-Bytes"), 10, 64); err != nil || want != n {
		return n, fmt.Errorf("backup through the daemon's socket: incomplete copy (%d bytes, daemon says %q)", n, resp.Trailer.Get("X-Backup-Bytes"))
	}
	return n, nil
}

// Verify checks that the store file at path is a sound store, the same
// way `govaudit verify` checks the store itself (see store.VerifyFile):
// every page of the file, every finding with its rule index entry and its
// history, every event, run and adjustment.
func Verify(path string) error {
	return store.VerifyFile(path)
}
