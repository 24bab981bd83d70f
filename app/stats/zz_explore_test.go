package stats_test

import (
	"os"
	"testing"
	"time"
)

func TestZZExplore(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		return
	}
	b := &testing.B{}
	_ = b
	ctx, _ := benchDayT(t)
	_ = ctx
	os.WriteFile("/tmp/explore_ready", []byte("ok"), 0o644)
	time.Sleep(15 * time.Minute)
}
