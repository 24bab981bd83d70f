package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"doorstep/app/apptest"
	"doorstep/app/demo"
)

// The demo world seeds on the real MariaDB, and seeding again changes
// nothing (the sign-ins are listed again).
func TestDemo_SeedIsCompleteAndIdempotent(t *testing.T) {
	e := apptest.New(t, apptest.NoServe())
	ctx := context.Background()
	first, err := demo.Seed(ctx, e.P)
	if err != nil {
		t.Fatal(err)
	}
	again, err := demo.Seed(ctx, e.P)
	if err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if len(first) == 0 || len(first) != len(again) {
		t.Fatalf("sign-ins: first %d, again %d", len(first), len(again))
	}
	var shops int64
	sz, _ := e.P.Reg.Lookup("sz")
	e.P.Reg.HQ(ctx).Table(e.P.Reg.HQTable("merchant_directory")).Where("city = ?", sz.Code).Count(&shops)
	if shops < 3 {
		t.Fatalf("%d shops in sz", shops)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// `doorstep demo --embedded` runs the whole product on the in-memory engines
// (what a newcomer with nothing but Go gets): it seeds, serves, and a
// customer can browse what it seeded.
func TestDemo_EmbeddedEnginesServeTheSeededProduct(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := apptest.Config("demotest_", 0)
	cfg.HTTP.Addr = addr
	cfg.HTTP.PublicURL = "http://localhost:8080"
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		done <- demo.Run(ctx, demo.Options{Config: cfg, Log: apptest.Logger(), Out: out, Args: []string{"--embedded", "--addr", addr}})
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
		}
	}()
	base := "http://" + addr
	deadline := time.Now().Add(4 * time.Minute)
	for !strings.Contains(out.String(), "is running at") {
		select {
		case err := <-done:
			t.Fatalf("demo stopped: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not start:\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "IN MEMORY ONLY") {
		t.Fatalf("the banner must say the data is in memory only:\n%s", out.String())
	}
	get := func(path string) []byte {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("X-City", "sz")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
		}
		return b
	}
	get("/readyz")
	var list struct{ Items []struct{ ID int64 } }
	if err := json.Unmarshal(get("/v1/services?q="+"%E4%BF%9D%E6%B4%81"), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("browse found nothing: %v", err)
	}
	get(fmt.Sprintf("/v1/services/%d", list.Items[0].ID))
	get("/")
}
