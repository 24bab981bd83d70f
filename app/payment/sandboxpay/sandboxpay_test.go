package sandboxpay_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"doorstep/app/payment"
	"doorstep/app/payment/sandboxpay"
)

const key = "test-sandbox-key-0123456789abcdef"

func notice(t *testing.T, mutate func(*sandboxpay.Notice)) []byte {
	t.Helper()
	n := sandboxpay.Notice{ID: "EVSB1", Event: sandboxpay.EventPaid, AppID: sandboxpay.AppID, OutTradeNo: "Psz2406011200001234",
		TradeNo: "SB1", AmountFen: 12800, Status: sandboxpay.StatusPaid, At: time.Now().UTC()}
	if mutate != nil {
		mutate(&n)
	}
	b, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyNotify_SignatureWindowAndAccountLikeARealGateway(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	g, err := sandboxpay.New(nil, sandboxpay.Config{Key: key, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	good := notice(t, nil)

	n, err := g.VerifyNotify(ctx, sandboxpay.SignedHeaders([]byte(key), now.Add(-4*time.Minute), good), good)
	if err != nil {
		t.Fatalf("genuine notification refused: %v", err)
	}
	if n.Kind != payment.NotifyPaid || n.AmountFen != 12800 || n.OutTradeNo != "Psz2406011200001234" || n.EventID != "EVSB1" {
		t.Fatalf("notification read as %+v", n)
	}

	tampered := notice(t, func(n *sandboxpay.Notice) { n.AmountFen = 1 })
	cases := []struct {
		name string
		h    func() map[string][]string
		body []byte
		want error
	}{
		{"another key", func() map[string][]string {
			return sandboxpay.SignedHeaders([]byte("another-key-0123456789"), now, good)
		}, good, payment.ErrBadSignature},
		{"body changed after signing", func() map[string][]string { return sandboxpay.SignedHeaders([]byte(key), now, good) }, tampered, payment.ErrBadSignature},
		{"no signature", func() map[string][]string { return map[string][]string{} }, good, payment.ErrBadSignature},
		{"signed six minutes ago", func() map[string][]string {
			return sandboxpay.SignedHeaders([]byte(key), now.Add(-6*time.Minute), good)
		}, good, payment.ErrStale},
		{"signed six minutes ahead", func() map[string][]string { return sandboxpay.SignedHeaders([]byte(key), now.Add(6*time.Minute), good) }, good, payment.ErrStale},
		{"another app", nil, notice(t, func(n *sandboxpay.Notice) { n.AppID = "someone-else" }), payment.ErrWrongAccount},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := sandboxpay.SignedHeaders([]byte(key), now, tc.body)
			if tc.h != nil {
				h = tc.h()
			}
			_, err := g.VerifyNotify(ctx, h, tc.body)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAck_SuccessOnlyWhenOK(t *testing.T) {
	g, err := sandboxpay.New(nil, sandboxpay.Config{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if st, _, b := g.Ack(true); st != 200 || string(b) != `{"code":"SUCCESS"}` {
		t.Fatalf("ack true: %d %s", st, b)
	}
	if st, _, b := g.Ack(false); st == 200 || string(b) != `{"code":"FAIL"}` {
		t.Fatalf("ack false: %d %s", st, b)
	}
}
