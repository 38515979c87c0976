package service

// Job arguments: small structs of ids, each kind prefixed by the module.
// The workers live in internal/jobs; the args live here because the
// service inserts them in the same transaction as each state change.

// ChargeArgs asks the simulated processor to charge an order.
type ChargeArgs struct {
	OrderID int64 `json:"order_id"`
}

// Kind implements river.JobArgs.
func (ChargeArgs) Kind() string { return "orders.charge_payment" }

// ReleaseArgs returns an order's held copies to the catalog.
type ReleaseArgs struct {
	OrderID int64 `json:"order_id"`
}

// Kind implements river.JobArgs.
func (ReleaseArgs) Kind() string { return "orders.release_stock" }

// ConfirmArgs turns an order's held copies into sold ones.
type ConfirmArgs struct {
	OrderID int64 `json:"order_id"`
}

// Kind implements river.JobArgs.
func (ConfirmArgs) Kind() string { return "orders.confirm_stock" }

// ShipArgs hands a paid order to its delivery provider.
type ShipArgs struct {
	OrderID int64 `json:"order_id"`
}

// Kind implements river.JobArgs.
func (ShipArgs) Kind() string { return "orders.ship" }

// AdvanceArgs moves a shipment from one step of its timeline to the next.
type AdvanceArgs struct {
	OrderID int64  `json:"order_id"`
	From    string `json:"from"`
}

// Kind implements river.JobArgs.
func (AdvanceArgs) Kind() string { return "orders.advance_shipment" }

// SweepArgs is the periodic job that resolves stuck orders and orphan holds.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "orders.sweep" }
