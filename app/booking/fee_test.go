package booking

import (
	"testing"
	"time"
)

func TestCancelFee_AtEachBoundary(t *testing.T) {
	set := DefaultSettings()
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	at := func(before time.Duration) time.Time { return now.Add(before) } // slot start
	cases := []struct {
		name string
		o    Order
		by   Party
		want int64
	}{
		{"unpaid is free", Order{Status: StPendingPayment, SlotStart: at(time.Hour)}, PartyCustomer, 0},
		{"long before the slot is free", Order{Status: StAssigned, PaidFen: 10000, SlotStart: at(48 * time.Hour)}, PartyCustomer, 0},
		{"exactly at the notice limit is still free", Order{Status: StAssigned, PaidFen: 10000, SlotStart: at(2 * time.Hour)}, PartyCustomer, 0},
		{"one second into the notice period costs 20%", Order{Status: StAssigned, PaidFen: 10000, SlotStart: at(2*time.Hour - time.Second)}, PartyCustomer, 2000},
		{"dispatching pays the same late fee", Order{Status: StDispatching, PaidFen: 12345, SlotStart: at(time.Hour)}, PartyCustomer, 2469},
		{"fractions of a fen round half up", Order{Status: StAssigned, PaidFen: 3, SlotStart: at(time.Minute)}, PartyCustomer, 1},
		{"on the way costs 50% even early", Order{Status: StOnTheWay, PaidFen: 10000, SlotStart: at(5 * time.Hour)}, PartyCustomer, 5000},
		{"on the way, odd amount", Order{Status: StOnTheWay, PaidFen: 9999, SlotStart: at(time.Hour)}, PartyCustomer, 5000},
		{"after the slot started", Order{Status: StAssigned, PaidFen: 10000, SlotStart: at(-time.Hour)}, PartyCustomer, 2000},
		{"never more than what is left", Order{Status: StOnTheWay, PaidFen: 10000, RefundedFen: 8000, SlotStart: at(time.Hour)}, PartyCustomer, 2000},
		{"merchant cancels free", Order{Status: StOnTheWay, PaidFen: 10000, SlotStart: at(time.Hour)}, PartyMerchant, 0},
		{"city cancels free", Order{Status: StAssigned, PaidFen: 10000, SlotStart: at(time.Hour)}, PartyCity, 0},
	}
	for _, c := range cases {
		if got := CancelFee(c.o, now, set, c.by); got != c.want {
			t.Errorf("%s: fee %d, want %d", c.name, got, c.want)
		}
	}
	capped := set
	capped.CancelFeeBPS = 10000
	if got := CancelFee(Order{Status: StAssigned, PaidFen: 777, SlotStart: at(time.Minute)}, now, capped, PartyCustomer); got != 777 {
		t.Errorf("a 100%% fee is the whole payment: %d", got)
	}
	free := set
	free.FreeCancelBefore = 0
	if got := CancelFee(Order{Status: StAssigned, PaidFen: 10000, SlotStart: at(time.Second)}, now, free, PartyCustomer); got != 0 {
		t.Errorf("no notice period: free until the slot, got %d", got)
	}
}

func TestParseSlot_OffsetOrCityTime(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	for _, s := range []string{"2026-11-28T10:00:00+08:00", "2026-11-28T02:00:00Z", "2026-11-28T10:00", "2026-11-28 10:00"} {
		got, err := ParseSlot(s, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSlot(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "tomorrow", "2026-11-28", "10:00"} {
		if _, err := ParseSlot(s, loc); err == nil {
			t.Errorf("ParseSlot(%q) accepted", s)
		}
	}
}

func TestUnits_CoverTheWholeServiceInHalfHours(t *testing.T) {
	start := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	for dur, n := range map[int]int{30: 1, 31: 2, 60: 2, 90: 3, 100: 4, 120: 4} {
		us := units(start, dur)
		if len(us) != n {
			t.Errorf("%d min: %d units, want %d", dur, len(us), n)
		}
		for i, u := range us {
			if !u.Equal(start.Add(time.Duration(i) * SlotUnit)) {
				t.Errorf("%d min: unit %d at %v", dur, i, u)
			}
		}
	}
}

func TestMachine_TableIsConsistent(t *testing.T) {
	for _, ev := range Events {
		r, ok := Machine[ev]
		if !ok || len(r.From) == 0 || len(r.To) == 0 || len(r.Who) == 0 {
			t.Errorf("%s: incomplete rule %+v", ev, r)
		}
		for _, s := range append(append([]string{}, r.From...), r.To...) {
			found := false
			for _, st := range States {
				found = found || st == s
			}
			if !found {
				t.Errorf("%s: unknown state %s", ev, s)
			}
		}
	}
	if len(Machine) != len(Events) {
		t.Errorf("machine has %d rules for %d events", len(Machine), len(Events))
	}
}
