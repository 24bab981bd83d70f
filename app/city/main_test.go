package city_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"doorstep/app/apptest"
	"doorstep/app/platform"
)

// One running product for the package's HQ tests, with sz and bj, and four
// placements: "main" (the shared MariaDB), "target" (a private mariadbd on
// a spare loopback port, for moves), "dead" (a closed port) and "slow" (a
// TCP server that accepts and never answers).
var (
	env    *apptest.Env
	target *mariaServer
	slow   *hangServer
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if target, err = startMariaDB(); err != nil {
		fmt.Fprintln(os.Stderr, "private mariadbd:", err)
		return 1
	}
	defer target.stop()
	if slow, err = startHang(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer slow.close()
	dead, err := closedPort()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env, err = apptest.Start(apptest.Cities("sz", "bj"), apptest.Configure(func(c *platform.Config) {
		c.MySQL.Placements["target"] = platform.PlacementConfig{DSN: "root@tcp(" + target.addr + ")/", MaxOpen: 10, MaxIdle: 10}
		c.MySQL.Placements["dead"] = platform.PlacementConfig{DSN: "root@tcp(" + dead + ")/?timeout=1s", MaxOpen: 4, MaxIdle: 4}
		c.MySQL.Placements["slow"] = platform.PlacementConfig{DSN: "root@tcp(" + slow.addr + ")/", MaxOpen: 4, MaxIdle: 4}
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.Close()
	env.P.HQ.SetMoveDrain(300 * time.Millisecond)
	return m.Run()
}

// mariaServer is a private mariadbd with a throwaway data directory,
// stopped by its pid (never the shared server).
type mariaServer struct {
	dir  string
	addr string
	cmd  *exec.Cmd
}

func startMariaDB() (*mariaServer, error) {
	for _, bin := range []string{"mariadb-install-db", "mariadbd"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("%s is not installed (the move tests run a second MariaDB server; .ci/run installs mariadb-server): %w", bin, err)
		}
	}
	dir, err := os.MkdirTemp("", "doorstep-mariadb-")
	if err != nil {
		return nil, err
	}
	s := &mariaServer{dir: dir}
	data := filepath.Join(dir, "data")
	install := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+data, "--auth-root-authentication-method=normal", "--skip-test-db", "--user=root")
	if out, err := install.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("mariadb-install-db: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.addr = "127.0.0.1:" + strconv.Itoa(port)
	s.cmd = exec.Command("mariadbd", "--no-defaults", "--datadir="+data, "--port="+strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--socket="+filepath.Join(dir, "mysqld.sock"), "--pid-file="+filepath.Join(dir, "mysqld.pid"), "--user=root", "--skip-log-bin",
		"--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--performance-schema=OFF", "--max-connections=200",
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci", "--log-error="+filepath.Join(dir, "error.log"))
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	db, err := sql.Open("mysql", "root@tcp("+s.addr+")/")
	if err != nil {
		s.stop()
		return nil, err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for db.Ping() != nil {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			s.stop()
			return nil, fmt.Errorf("private mariadbd did not answer: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s, nil
}

// db opens the private server (no default schema).
func (s *mariaServer) db(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp("+s.addr+")/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (s *mariaServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(s.dir)
}

// hangServer accepts TCP connections and never says a word: a MySQL
// server that hangs.
type hangServer struct {
	ln    net.Listener
	addr  string
	mu    sync.Mutex
	conns []net.Conn
}

func startHang() (*hangServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hangServer{ln: ln, addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
		}
	}()
	return h, nil
}

// dropConns closes every connection accepted so far: whatever still waits
// on one gets an error at once.
func (h *hangServer) dropConns() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}

func (h *hangServer) close() {
	h.ln.Close()
	h.dropConns()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// closedPort is a loopback address nothing listens on.
func closedPort() (string, error) {
	p, err := freePort()
	return "127.0.0.1:" + strconv.Itoa(p), err
}

func ctxFor(t testing.TB, code string) context.Context {
	t.Helper()
	return cityCtx(t, env, code)
}
