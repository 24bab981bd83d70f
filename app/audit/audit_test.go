package audit_test

import (
	"context"
	"strings"
	"testing"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/tenants"
)

// The application's database user can add audit rows but never change or
// remove them; the same holds for the ledger of every city.
func TestAudit_RowsCannotBeChangedOrDeleted(t *testing.T) {
	e := apptest.New(t, apptest.NoServe(), apptest.Cities("sz"))
	ctx := app.WithActor(context.Background(), app.Actor{AccountID: 9, Role: "hq_admin", Scope: "hq"})
	e.P.Audit.Record(ctx, "test.action", "thing", "1", "ok", map[string]string{"k": "v"})
	hq := e.P.Reg.HQ(ctx)
	table := e.P.Reg.HQTable("audit_log")
	var n int64
	hq.Table(table).Where("action = 'test.action'").Count(&n)
	if n != 1 {
		t.Fatalf("%d rows", n)
	}
	for _, q := range []string{
		"UPDATE " + table + " SET outcome = 'tampered' WHERE action = 'test.action'",
		"DELETE FROM " + table + " WHERE action = 'test.action'",
	} {
		err := hq.Exec(q).Error
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	hq.Table(table).Where("action = 'test.action' AND outcome = 'ok'").Count(&n)
	if n != 1 {
		t.Fatal("the audit row changed")
	}
	sz, _ := e.P.Reg.Lookup("sz")
	cctx := tenants.WithCity(ctx, sz)
	db := tenants.DB(cctx)
	if err := db.Exec("INSERT INTO " + tenants.Table(cctx, "ledger_entries") + " (txn_id, txn_kind, account, amount_fen, at) VALUES ('t1', 'test', 'cash', 100, UTC_TIMESTAMP())").Error; err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE " + tenants.Table(cctx, "ledger_entries") + " SET amount_fen = 1",
		"DELETE FROM " + tenants.Table(cctx, "ledger_entries"),
	} {
		if err := db.Exec(q).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}
