package jobs_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"doorstep/app/apptest"
	"doorstep/app/outbox"
	"doorstep/app/platform"
	"doorstep/jobs"
	"doorstep/tenants"
)

// counter records how many times each outbox row's task ran.
type counter struct {
	mu   sync.Mutex
	runs map[int]int
}

func (c *counter) handle(ctx context.Context, data []byte) error {
	var p struct{ N int }
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if city, ok := tenants.CityFrom(ctx); !ok || city.Code != "sz" {
		return nil // must never happen: counted as missing
	}
	c.mu.Lock()
	c.runs[p.N]++
	c.mu.Unlock()
	return nil
}

func (c *counter) snapshot() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int]int{}
	for k, v := range c.runs {
		out[k] = v
	}
	return out
}

// Writes made while Redis is down commit; their jobs go out once Redis is
// back, each exactly once, even when the relay hands a row over twice.
func TestOutbox_RedisDownThenBackDeliversEveryRowExactlyOnce(t *testing.T) {
	rs := apptest.StartRedis(t)
	e := apptest.New(t, apptest.NoServe(), apptest.Cities("sz"), apptest.Configure(func(c *platform.Config) {
		c.Redis.Addr, c.Redis.DB = rs.Addr(), 0
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := apptest.Logger()
	cnt := &counter{runs: map[int]int{}}
	srv := jobs.NewServer(asynq.RedisClientOpt{Addr: rs.Addr()}, e.P.Reg, jobs.ServerConfig{Concurrency: 4}, log)
	srv.Handle("test:count", cnt.handle)
	go func() { _ = srv.Run(ctx) }()
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	q := jobs.NewEnqueuer(asynq.NewClientFromRedisClient(rdb))
	relay := jobs.NewRelay(e.P.Reg, q, 100*time.Millisecond, log)
	go relay.Run(ctx)
	box := outbox.New(e.P.Reg, relay.Nudge)
	sz, _ := e.P.Reg.Lookup("sz")
	cctx := tenants.WithCity(ctx, sz)

	write := func(from, to int) {
		for n := from; n < to; n++ {
			err := tenants.WithTx(cctx, func(ctx context.Context) error {
				return box.Add(ctx, "test:count", map[string]int{"n": n})
			})
			if err != nil {
				t.Fatalf("business write %d failed: %v", n, err)
			}
		}
	}
	write(0, 10)
	apptest.Eventually(t, 10*time.Second, "first jobs ran", func() bool { return len(cnt.snapshot()) == 10 })

	rs.Stop()
	write(10, 60) // Redis is down: the writes must still commit
	time.Sleep(500 * time.Millisecond)
	var pending int64
	tenants.DB(cctx).Model(&outbox.Message{}).Where("sent_at IS NULL").Count(&pending)
	if pending != 50 {
		t.Fatalf("%d rows pending while Redis is down, want 50", pending)
	}
	rs.Start()
	apptest.Eventually(t, 20*time.Second, "jobs written while Redis was down ran", func() bool { return len(cnt.snapshot()) == 60 })

	// A relay that dies between enqueueing and marking hands the same rows
	// over again: they must not run twice. (Rows 0-9 went out before the
	// restart of this non-persistent Redis, which forgot their task ids; a
	// production Redis keeps them: see the README on AOF.)
	if err := tenants.DB(cctx).Model(&outbox.Message{}).Where("id > 10").Update("sent_at", nil).Error; err != nil {
		t.Fatal(err)
	}
	tenants.DB(cctx).Model(&outbox.Message{}).Where("sent_at IS NULL").Count(&pending)
	sent := relay.FlushAll(ctx)
	t.Logf("reset %d rows, relay handed over %d again", pending, sent)
	time.Sleep(time.Second)
	for n, runs := range cnt.snapshot() {
		if runs != 1 {
			t.Errorf("row %d ran %d times", n, runs)
		}
	}
	if got := len(cnt.snapshot()); got != 60 {
		t.Fatalf("%d distinct rows ran, want 60", got)
	}
}

// Two schedulers (two running copies) ticking the same slot enqueue each
// periodic task once per city.
func TestScheduler_TwoCopiesRunEachSlotOnce(t *testing.T) {
	rs := apptest.StartRedis(t)
	e := apptest.New(t, apptest.NoServe(), apptest.Cities("sz", "bj"), apptest.Configure(func(c *platform.Config) {
		c.Redis.Addr, c.Redis.DB = rs.Addr(), 0
	}))
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	log := apptest.Logger()
	periodic := []jobs.Periodic{{TaskType: "test:tick", Every: time.Minute, PerCity: true}, {TaskType: "test:hq", Every: time.Hour}}
	a := jobs.NewScheduler(e.P.Reg, jobs.NewEnqueuer(asynq.NewClientFromRedisClient(rdb)), periodic, log)
	b := jobs.NewScheduler(e.P.Reg, jobs.NewEnqueuer(asynq.NewClientFromRedisClient(rdb)), periodic, log)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute).Add(10 * time.Second) // three ticks inside one slot
	a.Tick(ctx, now)
	b.Tick(ctx, now.Add(time.Second))
	a.Tick(ctx, now.Add(2*time.Second))
	insp := asynq.NewInspectorFromRedisClient(rdb)
	tasks, err := insp.ListPendingTasks("low")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, tk := range tasks {
		var env jobs.Envelope
		_ = json.Unmarshal(tk.Payload, &env)
		counts[tk.Type+"/"+env.City]++
	}
	want := map[string]int{"test:tick/sz": 1, "test:tick/bj": 1, "test:hq/": 1}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s enqueued %d times, want %d (all: %v)", k, counts[k], v, counts)
		}
	}
}
