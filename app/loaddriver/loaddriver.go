// Package loaddriver drives a running Doorstep server like many customers at
// once and prints requests/s, p50 and p99 per endpoint, next to baselines
// measured in the same run: a bare Fiber JSON endpoint (/healthz), and plain
// database work through the same MySQL driver (single-row insert
// transactions, primary-key reads).
package loaddriver

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Options of a run.
type Options struct {
	URL       string        // server base URL
	City      string        // city code
	Customers int           // concurrent simulated customers
	Duration  time.Duration // per scenario
	DSN       string        // MySQL for the database baseline ("" skips it)
	// BaselineSchema is the scratch schema the baseline creates and drops
	// (default doorstep_loadbaseline).
	BaselineSchema string
	Out            io.Writer
}

// stats collects latencies of one endpoint.
type stats struct {
	mu      sync.Mutex
	lat     []time.Duration
	fails   int
	codes   map[int]int
	samples map[int]string // the first failure of each status, to print
}

// sample keeps the first failure seen with a status.
func (s *stats) sample(code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples == nil {
		s.samples = map[int]string{}
	}
	if _, ok := s.samples[code]; !ok {
		s.samples[code] = msg
	}
}

func (s *stats) add(d time.Duration, status int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = map[int]int{}
	}
	s.codes[status]++
	if !ok {
		s.fails++
		return
	}
	s.lat = append(s.lat, d)
}

type result struct {
	name     string
	n, fails int
	rps      float64
	p50, p99 time.Duration
	codes    map[int]int
	samples  map[int]string
}

func (s *stats) result(name string, took time.Duration) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
	r := result{name: name, n: len(s.lat), fails: s.fails, codes: s.codes, samples: s.samples}
	if took > 0 {
		r.rps = float64(len(s.lat)) / took.Seconds()
	}
	if len(s.lat) > 0 {
		r.p50 = s.lat[len(s.lat)/2]
		r.p99 = s.lat[len(s.lat)*99/100]
	}
	return r
}

// Run executes every scenario and prints the table.
func Run(ctx context.Context, o Options) error {
	if o.Customers <= 0 {
		o.Customers = 32
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	o.URL = strings.TrimRight(o.URL, "/")
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * o.Customers, MaxConnsPerHost: 4 * o.Customers}, Timeout: 30 * time.Second}
	d := &driver{o: o, hc: hc}
	fmt.Fprintf(o.Out, "Doorstep load: %s city=%s customers=%d duration=%s per scenario\n", o.URL, o.City, o.Customers, o.Duration)
	if err := d.setup(ctx); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	var results []result
	run := func(name string, fn func(ctx context.Context, c *customer, s *stats)) {
		results = append(results, d.scenario(ctx, name, fn))
	}
	run("GET /healthz (bare Fiber JSON)", func(ctx context.Context, c *customer, s *stats) { d.call(ctx, s, "GET", "/healthz", "", nil, nil) })
	run("GET /v1/services (browse)", func(ctx context.Context, c *customer, s *stats) {
		d.call(ctx, s, "GET", d.browsePaths[rand.IntN(len(d.browsePaths))], "", nil, nil)
	})
	run("GET /v1/services/:id (detail)", func(ctx context.Context, c *customer, s *stats) {
		d.call(ctx, s, "GET", fmt.Sprintf("/v1/services/%d", d.itemIDs[rand.IntN(len(d.itemIDs))]), "", nil, nil)
	})
	run("POST /v1/orders (booking)", func(ctx context.Context, c *customer, s *stats) {
		if id := d.book(ctx, c, s); id != 0 {
			c.unpaid = append(c.unpaid, id)
		}
	})
	run("POST pay + sandbox callback", func(ctx context.Context, c *customer, s *stats) {
		d.pay(ctx, c, s)
	})
	if o.DSN != "" {
		ins, pk, err := d.dbBaseline(ctx)
		if err != nil {
			return fmt.Errorf("database baseline: %w", err)
		}
		results = append(results, ins, pk)
	}
	w := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "scenario\trequests\treq/s\tp50\tp99\tfailed\tstatus codes\t")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%d\t%.0f\t%s\t%s\t%d\t%v\t\n", r.name, r.n, r.rps, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.fails, r.codes)
	}
	_ = w.Flush()
	for _, r := range results {
		for code, msg := range r.samples {
			fmt.Fprintf(o.Out, "  first failure of %s with status %d: %s\n", r.name, code, msg)
		}
	}
	byName := map[string]result{}
	for _, r := range results {
		byName[r.name] = r
	}
	if b, ok := byName["GET /healthz (bare Fiber JSON)"]; ok && b.rps > 0 {
		fmt.Fprintf(o.Out, "cached browse / bare Fiber JSON: %.0f%%\n", 100*byName["GET /v1/services (browse)"].rps/b.rps)
	}
	if ins, ok := byName["DB: one-row insert transaction"]; ok && ins.rps > 0 {
		fmt.Fprintf(o.Out, "booking / one-row insert transactions: %.0f%%\n", 100*byName["POST /v1/orders (booking)"].rps/ins.rps)
		fmt.Fprintf(o.Out, "detail / primary-key reads: %.0f%%\n", 100*byName["GET /v1/services/:id (detail)"].rps/byName["DB: primary-key read"].rps)
	}
	return nil
}

type customer struct {
	token     string
	addressID int64
	unpaid    []int64 // orders booked and not paid yet (one goroutine per customer)
}

type driver struct {
	o           Options
	hc          *http.Client
	customers   []*customer
	itemIDs     []int64
	browsePaths []string
	slotDay     time.Time
}

func (d *driver) scenario(ctx context.Context, name string, fn func(ctx context.Context, c *customer, s *stats)) result {
	s := &stats{}
	ctx, cancel := context.WithTimeout(ctx, d.o.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range d.customers {
		wg.Add(1)
		go func(c *customer) {
			defer wg.Done()
			for ctx.Err() == nil {
				fn(ctx, c, s)
			}
		}(c)
	}
	wg.Wait()
	return s.result(name, time.Since(start))
}

// statusError is an answer outside 2xx.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return "unexpected status " + e.msg }

// call makes one request; out (may be nil) receives the JSON answer.
func (d *driver) call(ctx context.Context, s *stats, method, path, token string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.o.URL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("X-City", d.o.City)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := d.hc.Do(req)
	if err != nil {
		if s != nil && ctx.Err() == nil {
			s.add(0, 0, false)
		}
		return err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	ok := res.StatusCode < 300
	if s != nil && ctx.Err() == nil {
		s.add(time.Since(start), res.StatusCode, ok)
	}
	if !ok {
		err := &statusError{code: res.StatusCode, msg: fmt.Sprintf("%d on %s %s: %.200s", res.StatusCode, method, path, b)}
		if s != nil && ctx.Err() == nil {
			s.sample(res.StatusCode, err.Error())
		}
		return err
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

var sixDigits = regexp.MustCompile(`\d{6}`)

// setup signs in the simulated customers (SMS codes from the sandbox inbox),
// gives each an address, and finds bookable services.
func (d *driver) setup(ctx context.Context) error {
	var items struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := d.call(ctx, nil, "GET", "/v1/services?limit=50", "", nil, &items); err != nil {
		return err
	}
	if len(items.Items) == 0 {
		return errors.New("the city offers no services: run against the demo (`doorstep demo`)")
	}
	for _, it := range items.Items {
		d.itemIDs = append(d.itemIDs, it.ID)
	}
	d.browsePaths = []string{"/v1/services", "/v1/services?sort=rating", "/v1/services?sort=sales", "/v1/services?q=%E4%BF%9D%E6%B4%81",
		"/v1/services?category=housekeeping", "/v1/services?sort=price_asc&limit=10"}
	run := time.Now().UnixNano() % 1_000_000
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, d.o.Customers)
	sem := make(chan struct{}, 8)
	for i := 0; i < d.o.Customers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			phone := fmt.Sprintf("166%02d%06d", i%100, (run+int64(i)*7919)%1_000_000)
			c, err := d.signIn(ctx, phone)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			d.customers = append(d.customers, c)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	return nil
}

func (d *driver) signIn(ctx context.Context, phone string) (*customer, error) {
	if err := d.call(ctx, nil, "POST", "/v1/auth/sms-code", "", map[string]string{"phone": phone}, nil); err != nil {
		return nil, err
	}
	var code string
	for i := 0; i < 200 && code == ""; i++ {
		var msgs []struct{ Body string }
		if err := d.call(ctx, nil, "GET", "/v1/sandbox/sms?phone="+phone, "", nil, &msgs); err != nil {
			return nil, fmt.Errorf("the load driver needs the sandbox SMS inbox: %w", err)
		}
		if len(msgs) > 0 {
			code = sixDigits.FindString(msgs[0].Body)
		}
		if code == "" {
			time.Sleep(20 * time.Millisecond)
		}
	}
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	if err := d.call(ctx, nil, "POST", "/v1/auth/login/sms", "", map[string]string{"phone": phone, "code": code}, &sess); err != nil {
		return nil, err
	}
	var city struct {
		Zone string `json:"zone"`
	}
	_ = d.call(ctx, nil, "GET", "/v1/city", "", nil, &city)
	var addr struct {
		ID int64 `json:"id"`
	}
	// a point near the city centre the demo merchants serve
	err := d.call(ctx, nil, "POST", "/v1/addresses", sess.AccessToken, map[string]any{
		"contact_name": "压测用户", "phone": phone, "address": "南山区科技园科苑路15号 压测楼", "district": "南山区",
		"lat": 22.5405 + rand.Float64()/200, "lng": 113.9442 + rand.Float64()/200, "label": "家"}, &addr)
	if err != nil {
		return nil, err
	}
	return &customer{token: sess.AccessToken, addressID: addr.ID}, nil
}

// book books a service without choosing staff (so bookings do not fight
// over slots) and answers the order id (0 when it failed).
func (d *driver) book(ctx context.Context, c *customer, s *stats) int64 {
	day := time.Now().Add(48 * time.Hour)
	// Starts from 09:00 to 12:30 city time, so the longest demo service
	// (five hours) still ends inside every merchant's opening hours.
	slot := time.Date(day.Year(), day.Month(), day.Day(), 9+rand.IntN(4), 30*rand.IntN(2), 0, 0, time.FixedZone("CST", 8*3600))
	var order struct {
		ID int64 `json:"id"`
	}
	err := d.call(ctx, s, "POST", "/v1/orders", c.token, map[string]any{
		"service_item_id": d.itemIDs[rand.IntN(len(d.itemIDs))], "slot_start": slot.Format(time.RFC3339), "address_id": c.addressID,
		"requirements": "load test"}, &order)
	if err != nil {
		return 0
	}
	return order.ID
}

// pay pays one of the customer's unpaid orders (booking one first, outside
// the figures, when none is left) through the sandbox gateway, which calls
// our notify endpoint with a signed notification; the time counted runs
// from the pay request to the answered callback.
func (d *driver) pay(ctx context.Context, c *customer, s *stats) {
	if len(c.unpaid) == 0 {
		id := d.book(ctx, c, nil)
		if id == 0 {
			return
		}
		c.unpaid = append(c.unpaid, id)
	}
	id := c.unpaid[len(c.unpaid)-1]
	c.unpaid = c.unpaid[:len(c.unpaid)-1]
	var p struct {
		PaymentNo string `json:"payment_no"`
	}
	start := time.Now()
	if err := d.call(ctx, nil, "POST", fmt.Sprintf("/v1/orders/%d/pay", id), c.token, map[string]string{"method": "sandbox"}, &p); err != nil {
		failed(ctx, s, err)
		return
	}
	if err := d.call(ctx, nil, "POST", "/v1/sandbox/pay/"+p.PaymentNo, "", map[string]string{"city": d.o.City}, nil); err != nil {
		failed(ctx, s, err)
		return
	}
	if ctx.Err() == nil {
		s.add(time.Since(start), 200, true)
	}
}

// failed counts a failed step of a multi-request scenario with the status
// it got (0: no answer), unless the run was over (cancelled in flight).
func failed(ctx context.Context, s *stats, err error) {
	if ctx.Err() != nil {
		return
	}
	var se *statusError
	if errors.As(err, &se) {
		s.add(0, se.code, false)
		s.sample(se.code, se.Error())
		return
	}
	s.add(0, 0, false)
	s.sample(0, err.Error())
}

// rowIDs lists up to 200,000 ids of a table (at least one row is made).
func rowIDs(ctx context.Context, db *sql.DB, table string) ([]int64, error) {
	if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" (a, b, created_at) VALUES ('baseline', 0, ?)", time.Now().UTC()); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT id FROM "+table+" LIMIT 200000")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// dbBaseline measures one-row insert transactions and primary-key reads
// through the same MySQL driver, with the same concurrency.
func (d *driver) dbBaseline(ctx context.Context) (result, result, error) {
	mc, err := mysql.ParseDSN(d.o.DSN)
	if err != nil {
		return result{}, result{}, err
	}
	mc.InterpolateParams, mc.ParseTime, mc.DBName = true, true, ""
	db, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		return result{}, result{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(d.o.Customers)
	db.SetMaxIdleConns(d.o.Customers)
	schema := d.o.BaselineSchema
	if schema == "" {
		schema = "doorstep_loadbaseline"
	}
	for _, q := range []string{"DROP DATABASE IF EXISTS " + schema, "CREATE DATABASE " + schema,
		"CREATE TABLE " + schema + ".t (id BIGINT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(64) NOT NULL, b BIGINT NOT NULL, created_at DATETIME(6) NOT NULL)"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return result{}, result{}, err
		}
	}
	defer db.Exec("DROP DATABASE IF EXISTS " + schema)
	measure := func(name string, fn func(ctx context.Context) error) result {
		s := &stats{}
		cctx, cancel := context.WithTimeout(ctx, d.o.Duration)
		defer cancel()
		start := time.Now()
		var wg sync.WaitGroup
		for i := 0; i < d.o.Customers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for cctx.Err() == nil {
					t := time.Now()
					err := fn(cctx)
					if cctx.Err() == nil {
						s.add(time.Since(t), 200, err == nil)
					}
				}
			}()
		}
		wg.Wait()
		return s.result(name, time.Since(start))
	}
	ins := measure("DB: one-row insert transaction", func(ctx context.Context) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+schema+".t (a, b, created_at) VALUES (?, ?, ?)", "baseline", rand.Int64(), time.Now().UTC()); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
	// Read rows that exist: auto-increment ids have gaps (transactions cut
	// off at the end of the insert scenario roll back).
	ids, err := rowIDs(ctx, db, schema+".t")
	if err != nil {
		return result{}, result{}, err
	}
	pk := measure("DB: primary-key read", func(ctx context.Context) error {
		var a string
		var b int64
		var at time.Time
		return db.QueryRowContext(ctx, "SELECT a, b, created_at FROM "+schema+".t WHERE id = ?", ids[rand.IntN(len(ids))]).Scan(&a, &b, &at)
	})
	return ins, pk, nil
}
