package tenants

import "context"

type afterKey struct{}

type afterList struct{ fns []func() }

// AfterCommit runs fn once the outermost transaction in ctx has committed,
// or at once when ctx carries none. A rolled-back transaction drops it.
// Use it for work that must not run for data that never landed: nudging the
// outbox relay, telling other copies a policy changed.
func AfterCommit(ctx context.Context, fn func()) {
	if l, ok := ctx.Value(afterKey{}).(*afterList); ok {
		l.fns = append(l.fns, fn)
		return
	}
	fn()
}

// withAfter gives ctx a fresh after-commit list unless an outer one exists;
// run reports whether this call owns it.
func withAfter(ctx context.Context) (context.Context, *afterList, bool) {
	if l, ok := ctx.Value(afterKey{}).(*afterList); ok {
		return ctx, l, false
	}
	l := &afterList{}
	return context.WithValue(ctx, afterKey{}, l), l, true
}
