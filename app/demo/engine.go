package demo

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/alicebob/miniredis/v2"
	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
)

// embeddedMySQL starts go-mysql-server's in-memory engine on a loopback
// port. Native indexes keep lookups by key from scanning whole tables.
func embeddedMySQL() (addr string, stop func(), err error) {
	pro := memory.NewDBProviderWithOpts(memory.NativeIndexProvider(true))
	engine := sqle.NewDefault(pro)
	srv, err := server.NewServer(server.Config{Protocol: "tcp", Address: "127.0.0.1:0"}, engine, sql.NewContext,
		memory.NewSessionBuilder(pro.(*memory.DbProvider)), nil)
	if err != nil {
		return "", nil, fmt.Errorf("embedded mysql: %w", err)
	}
	go func() { _ = srv.Start() }()
	addr = srv.Listener.Addr().String()
	return addr, func() { _ = srv.Close() }, nil
}

// embeddedRedis starts miniredis. Its keys never expire on their own, so a
// ticker moves its clock with the wall clock (rate limits and Asynq leases
// depend on expiry).
func embeddedRedis(ctx context.Context) (addr string, stop func(), err error) {
	mr, err := miniredis.Run()
	if err != nil {
		return "", nil, fmt.Errorf("embedded redis: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				mr.FastForward(now.Sub(last))
				mr.SetTime(now)
				last = now
			}
		}
	}()
	return mr.Addr(), func() { cancel(); mr.Close() }, nil
}

// reachable tells whether a TCP address answers within a second.
func reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
