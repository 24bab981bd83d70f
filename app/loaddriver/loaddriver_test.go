package loaddriver_test

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"doorstep/app/apptest"
	"doorstep/app/loaddriver"
)

// The load driver, run briefly against a real server (MariaDB, Redis), signs
// its customers in, books and pays without a failure, and prints every
// scenario with its baseline and the ratios.
func TestLoadDriver_RunsEveryScenarioAgainstARealServer(t *testing.T) {
	e := apptest.New(t, apptest.Cities("sz"))
	e.NewShop(t, "sz", 2)
	var out bytes.Buffer
	err := loaddriver.Run(context.Background(), loaddriver.Options{URL: e.Base, City: "sz", Customers: 3, Duration: 700 * time.Millisecond,
		DSN: apptest.MySQLDSN(), BaselineSchema: e.Prefix + "loadbaseline", Out: &out})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	if strings.Contains(text, "first failure") {
		t.Fatalf("a scenario failed:\n%s", text)
	}
	for _, name := range []string{"GET /healthz (bare Fiber JSON)", "GET /v1/services (browse)", "GET /v1/services/:id (detail)",
		"POST /v1/orders (booking)", "POST pay + sandbox callback", "DB: one-row insert transaction", "DB: primary-key read"} {
		m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(name) + `\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s+(\d+)\s`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no row for %q:\n%s", name, text)
		}
		if n, _ := strconv.Atoi(m[1]); n == 0 {
			t.Errorf("%s: no request succeeded:\n%s", name, text)
		}
		if m[3] != "0" {
			t.Errorf("%s: %s failed:\n%s", name, m[3], text)
		}
	}
	for _, ratio := range []string{"cached browse / bare Fiber JSON:", "booking / one-row insert transactions:", "detail / primary-key reads:"} {
		if !strings.Contains(text, ratio) {
			t.Errorf("no %q line:\n%s", ratio, text)
		}
	}
}
