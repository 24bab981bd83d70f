package tenants_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"doorstep/app/apptest"
	"doorstep/app/outbox"
	"doorstep/app/platform"
	"doorstep/tenants"
)

// Two cities over a pool of two connections, hammered concurrently with
// plain writes, transactions and transactions that roll back: every row
// lands in its own city's schema and the pool never grows.
func TestTenants_ConcurrentWritesNeverCrossSchemas(t *testing.T) {
	e := apptest.New(t, apptest.NoServe(), apptest.Cities("sz", "bj"), apptest.Configure(func(c *platform.Config) {
		p := c.MySQL.Placements["main"]
		p.MaxOpen, p.MaxIdle = 2, 2
		c.MySQL.Placements["main"] = p
	}))
	reg := e.P.Reg
	ctx := context.Background()
	box := outbox.New(reg, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	want := map[string]int{}
	errs := make(chan error, 400)
	for i := 0; i < 400; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			code := []string{"sz", "bj"}[rand.IntN(2)]
			c, err := reg.Lookup(code)
			if err != nil {
				errs <- err
				return
			}
			cctx := tenants.WithCity(ctx, c)
			payload := map[string]any{"city": code, "i": i}
			switch i % 3 {
			case 0:
				err = box.Add(cctx, "test:write", payload)
			case 1:
				err = tenants.WithTx(cctx, func(ctx context.Context) error {
					if err := box.Add(ctx, "test:write", payload); err != nil {
						return err
					}
					// a read inside the transaction sees its own schema's row
					var n int64
					return tenants.DB(ctx).Model(&outbox.Message{}).Where("task_type = 'test:write'").Count(&n).Error
				})
			case 2:
				err = tenants.WithTx(cctx, func(ctx context.Context) error {
					if err := box.Add(ctx, "test:write", payload); err != nil {
						return err
					}
					return errRollback
				})
				if err == errRollback {
					return // nothing may land
				}
			}
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			want[code]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if st := reg.Pool("main").Stats(); st.MaxOpenConnections != 2 || st.OpenConnections > 2 {
		t.Fatalf("pool grew: %+v", st)
	}
	for _, code := range []string{"sz", "bj"} {
		c, _ := reg.Lookup(code)
		var msgs []outbox.Message
		if err := tenants.DB(tenants.WithCity(ctx, c)).Where("task_type = 'test:write'").Find(&msgs).Error; err != nil {
			t.Fatal(err)
		}
		if len(msgs) != want[code] {
			t.Errorf("%s holds %d rows, want %d", code, len(msgs), want[code])
		}
		for _, m := range msgs {
			var p struct{ City string }
			_ = json.Unmarshal(m.Payload, &p)
			if p.City != code {
				t.Fatalf("row for %s landed in %s", p.City, code)
			}
		}
	}
}

var errRollback = fmt.Errorf("roll back")

// A transaction in ctx for one city is never handed out for another city.
func TestTenants_TransactionIsBoundToItsCity(t *testing.T) {
	e := apptest.New(t, apptest.NoServe(), apptest.Cities("sz", "bj"))
	ctx := context.Background()
	sz, _ := e.P.Reg.Lookup("sz")
	bj, _ := e.P.Reg.Lookup("bj")
	box := outbox.New(e.P.Reg, nil)
	err := tenants.WithTx(tenants.WithCity(ctx, sz), func(ctx context.Context) error {
		// switching the city inside a transaction must reach bj's own schema
		// through bj's root handle, not sz's transaction
		if tenants.InTx(tenants.WithCity(ctx, bj)) {
			t.Error("bj sees sz's transaction")
		}
		if err := box.Add(tenants.WithCity(ctx, bj), "test:bj", map[string]string{"city": "bj"}); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	var n int64
	tenants.DB(tenants.WithCity(ctx, bj)).Model(&outbox.Message{}).Where("task_type = 'test:bj'").Count(&n)
	if n != 1 {
		t.Fatalf("bj's write outside sz's transaction: %d rows, want 1 (it was not part of the rolled-back transaction)", n)
	}
}

// 1,000 cities on one placement work within a pool of four connections:
// each city gets a handle over the shared pool, none opens its own.
func TestTenants_ThousandCitiesShareOnePool(t *testing.T) {
	e := apptest.New(t, apptest.NoServe(), apptest.Configure(func(c *platform.Config) {
		p := c.MySQL.Placements["main"]
		p.MaxOpen, p.MaxIdle = 4, 4
		c.MySQL.Placements["main"] = p
	}))
	reg := e.P.Reg
	ctx := context.Background()
	root, err := sql.Open("mysql", apptest.MySQLDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	const n = 1000
	start := time.Now()
	now := time.Now().UTC()
	for i := 0; i < n; i++ {
		code := fmt.Sprintf("c%04d", i)
		schema := reg.CitySchema(code)
		for _, q := range []string{
			"CREATE DATABASE `" + schema + "`",
			"CREATE TABLE `" + schema + "`.outbox_messages (id BIGINT AUTO_INCREMENT PRIMARY KEY, task_type VARCHAR(64) NOT NULL, payload BLOB NOT NULL, queue VARCHAR(32) NOT NULL DEFAULT 'default', process_at DATETIME(6) NULL, created_at DATETIME(6) NOT NULL, sent_at DATETIME(6) NULL, attempts INT NOT NULL DEFAULT 0, last_error VARCHAR(255) NOT NULL DEFAULT '')",
		} {
			if _, err := root.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := root.Exec("INSERT INTO `"+reg.HQSchema()+"`.cities (code, name, zone, status, placement, schema_name, created_at, updated_at) VALUES (?, ?, 'Asia/Shanghai', 'active', 'main', ?, ?, ?)",
			code, code, schema, now, now); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("made %d schemas in %s", n, time.Since(start))
	if err := reg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(reg.Cities()); got != n {
		t.Fatalf("registry holds %d cities, want %d", got, n)
	}
	box := outbox.New(reg, nil)
	errs := reg.ForEachCity(ctx, reg.Cities(), 16, func(ctx context.Context, c *tenants.City) error {
		return box.Add(ctx, "test:mark", map[string]string{"city": c.Code})
	})
	for code, err := range errs {
		t.Fatalf("%s: %v", code, err)
	}
	errs = reg.ForEachCity(ctx, reg.Cities(), 16, func(ctx context.Context, c *tenants.City) error {
		var msgs []outbox.Message
		if err := tenants.DB(ctx).Find(&msgs).Error; err != nil {
			return err
		}
		if len(msgs) != 1 || string(msgs[0].Payload) != `{"city":"`+c.Code+`"}` {
			return fmt.Errorf("holds %d rows: %v", len(msgs), msgs)
		}
		return nil
	})
	for code, err := range errs {
		t.Fatalf("%s: %v", code, err)
	}
	if st := reg.Pool("main").Stats(); st.OpenConnections > 4 {
		t.Fatalf("pool grew to %d connections for %d cities", st.OpenConnections, n)
	}
}
