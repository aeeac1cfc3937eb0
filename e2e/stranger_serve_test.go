package e2e

import (
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestStrangerServe serves one stranger portal until killed, for trying
// the README's commands by hand: STRANGER_SERVE=hanweb go test ./e2e -run TestStrangerServe -v
func TestStrangerServe(t *testing.T) {
	name := os.Getenv("STRANGER_SERVE")
	if name == "" {
		t.Skip("set STRANGER_SERVE=<portal> to serve it")
	}
	srv := httptest.NewUnstartedServer(strangerSite{dir: filepath.Join("testdata", "stranger", name, "site")})
	if addr := os.Getenv("STRANGER_ADDR"); addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		srv.Listener = l
	}
	srv.Start()
	t.Logf("serving %s at %s", name, srv.URL)
	select {}
}
