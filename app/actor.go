package app

import "context"

// Role names, shared by rbac, the services and the HTTP edge.
const (
	RoleHQAdmin            = "hq_admin"
	RoleHQOperator         = "hq_operator"
	RoleCityAdmin          = "city_admin"
	RoleCityOperator       = "city_operator"
	RoleMerchantOwner      = "merchant_owner"
	RoleMerchantDispatcher = "merchant_dispatcher"
	RoleStaff              = "staff"
	RoleCustomer           = "customer"
)

// Actor is the signed-in person a request or job acts for. Scope says where
// the token is valid: "" for a platform-wide customer token, "hq", or
// "city:<code>" for a city-bound operator, merchant or staff token.
type Actor struct {
	AccountID  int64
	Scope      string
	Role       string // the role the token was issued for
	MerchantID int64  // merchant the person acts for (merchant roles and staff)
	StaffID    int64  // staff profile id (staff role)
	IP         string
	RequestID  string
}

// IsHQ tells whether the actor acts for headquarters.
func (a Actor) IsHQ() bool { return a.Scope == "hq" }

// System is the actor of scheduled jobs and gateway callbacks.
var System = Actor{Role: "system"}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; ok is false for anonymous requests.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// MustActor returns the actor or ErrUnauthorized.
func MustActor(ctx context.Context) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok || (a.AccountID == 0 && a.Role != "system") {
		return Actor{}, ErrUnauthorized
	}
	return a, nil
}
