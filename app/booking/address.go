package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/geo"
	"doorstep/app/pii"
	"doorstep/tenants"
)

// maxAddresses is how many addresses one customer keeps in one city.
const maxAddresses = 30

// AddressInput creates or replaces a saved address.
type AddressInput struct {
	Label       string  `json:"label" validate:"max=32" doc:"家, 公司 ..."`
	ContactName string  `json:"contact_name" validate:"required,max=64"`
	Phone       string  `json:"phone" validate:"required,max=20" doc:"mainland mobile number; shown masked afterwards"`
	Address     string  `json:"address" validate:"required,min=4,max=200" doc:"full address text; shown masked afterwards"`
	District    string  `json:"district" validate:"max=64"`
	Lat         float64 `json:"lat" validate:"required,gte=-90,lte=90"`
	Lng         float64 `json:"lng" validate:"required,gte=-180,lte=180"`
	IsDefault   bool    `json:"is_default"`
}

// AddressUpdate replaces a saved address (PUT). The phone and the full
// address are stored sealed and shown masked, so a client that did not
// change them cannot send them back: left out, empty or the masked value
// GET shows, each keeps its saved value. Every other field is replaced.
type AddressUpdate struct {
	Label       string  `json:"label" validate:"max=32" doc:"家, 公司 ..."`
	ContactName string  `json:"contact_name" validate:"required,max=64"`
	Phone       string  `json:"phone" validate:"max=20" doc:"mainland mobile number; left out, empty or the masked number as shown: the saved number is kept"`
	Address     string  `json:"address" validate:"omitempty,min=4,max=200" doc:"full address text; left out, empty or the masked text as shown: the saved address text is kept"`
	District    string  `json:"district" validate:"max=64"`
	Lat         float64 `json:"lat" validate:"required,gte=-90,lte=90"`
	Lng         float64 `json:"lng" validate:"required,gte=-180,lte=180"`
	IsDefault   bool    `json:"is_default" doc:"true makes it the default; false keeps a default a default (choose another to move it)"`
}

func (s *Service) sealAddress(in AddressInput, a *Address) error {
	phone, ok := pii.NormalizePhone(in.Phone)
	if !ok {
		return app.Invalid("phone", "an 11-digit mainland mobile number")
	}
	text := strings.TrimSpace(in.Address)
	if n := len([]rune(text)); n < 4 || n > 200 {
		return app.Invalid("address", "4 to 200 characters")
	}
	name := strings.TrimSpace(in.ContactName)
	if name == "" || len([]rune(name)) > 64 {
		return app.Invalid("contact_name", "1 to 64 characters")
	}
	if len([]rune(in.Label)) > 32 {
		return app.Invalid("label", "at most 32 characters")
	}
	if len([]rune(in.District)) > 64 {
		return app.Invalid("district", "at most 64 characters")
	}
	if !(geo.Point{Lat: in.Lat, Lng: in.Lng}).Valid() {
		return app.Invalid("lat", "lat and lng must be a real location")
	}
	a.Label, a.ContactName, a.District = strings.TrimSpace(in.Label), name, strings.TrimSpace(in.District)
	a.PhoneEnc, a.PhoneMasked = s.box.Seal(phone), pii.MaskPhone(phone)
	a.AddressEnc, a.AddressMasked = s.box.Seal(text), pii.MaskAddress(text)
	a.Lat, a.Lng, a.IsDefault = in.Lat, in.Lng, in.IsDefault
	a.KeyID = int(s.box.ActiveKey())
	return nil
}

func customer(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if a.AccountID == 0 {
		return a, app.ErrUnauthorized
	}
	return a, nil
}

func addresses(ctx context.Context, accountID int64) *gorm.DB {
	return tenants.DB(ctx).Model(&Address{}).Where("account_id = ? AND deleted_at IS NULL", accountID)
}

// Addresses lists the signed-in customer's addresses in ctx's city, the
// default first.
func (s *Service) Addresses(ctx context.Context) ([]Address, error) {
	a, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	out := []Address{}
	err = addresses(ctx, a.AccountID).Order("is_default DESC, id DESC").Find(&out).Error
	return out, err
}

// Address returns one of the signed-in customer's addresses.
func (s *Service) Address(ctx context.Context, id int64) (Address, error) {
	a, err := customer(ctx)
	if err != nil {
		return Address{}, err
	}
	return s.ownAddress(ctx, a.AccountID, id)
}

func (s *Service) ownAddress(ctx context.Context, accountID, id int64) (Address, error) {
	var out Address
	err := addresses(ctx, accountID).Where("id = ?", id).Take(&out).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return out, ErrAddressNotFound
	}
	return out, err
}

// CreateAddress saves an address; the first one becomes the default.
func (s *Service) CreateAddress(ctx context.Context, in AddressInput) (Address, error) {
	a, err := customer(ctx)
	if err != nil {
		return Address{}, err
	}
	now := s.now()
	addr := Address{AccountID: a.AccountID, CreatedAt: now, UpdatedAt: now}
	if err := s.sealAddress(in, &addr); err != nil {
		return Address{}, err
	}
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var n int64
		if err := addresses(ctx, a.AccountID).Count(&n).Error; err != nil {
			return err
		}
		if n >= maxAddresses {
			return ErrTooManyAddresses
		}
		if n == 0 {
			addr.IsDefault = true
		}
		if err := tenants.DB(ctx).Create(&addr).Error; err != nil {
			return fmt.Errorf("create address: %w", err)
		}
		return s.onlyDefault(ctx, addr)
	})
	return addr, err
}

// UpdateAddress replaces one of the customer's addresses; a phone or
// address text left empty keeps the saved one (opened and sealed again
// under the active key, so the row's key id stays true). Orders keep the
// copy they were booked with.
func (s *Service) UpdateAddress(ctx context.Context, id int64, in AddressUpdate) (Address, error) {
	return s.changeAddress(ctx, id, func(ctx context.Context, addr *Address) error {
		full := AddressInput{Label: in.Label, ContactName: in.ContactName, Phone: strings.TrimSpace(in.Phone), Address: strings.TrimSpace(in.Address),
			District: in.District, Lat: in.Lat, Lng: in.Lng, IsDefault: in.IsDefault}
		// GET answers the masked values under the same names ("phone",
		// "address"): a client that sends back what it read means "unchanged",
		// never "seal the masked text as the new address".
		if full.Phone == addr.PhoneMasked {
			full.Phone = ""
		}
		if full.Address == addr.AddressMasked {
			full.Address = ""
		}
		var err error
		if full.Phone == "" {
			if full.Phone, err = s.box.Open(addr.PhoneEnc); err != nil {
				return fmt.Errorf("open phone of address %d: %w", addr.ID, err)
			}
		}
		if full.Address == "" {
			if full.Address, err = s.box.Open(addr.AddressEnc); err != nil {
				return fmt.Errorf("open address %d: %w", addr.ID, err)
			}
		}
		wasDefault := addr.IsDefault
		if err := s.sealAddress(full, addr); err != nil {
			return err
		}
		addr.IsDefault = addr.IsDefault || wasDefault // unset a default by choosing another
		addr.UpdatedAt = s.now()
		return tenants.DB(ctx).Save(addr).Error
	})
}

// SetDefaultAddress makes one of the customer's addresses the default and
// changes nothing else.
func (s *Service) SetDefaultAddress(ctx context.Context, id int64) (Address, error) {
	return s.changeAddress(ctx, id, func(ctx context.Context, addr *Address) error {
		if addr.IsDefault {
			return nil
		}
		addr.IsDefault, addr.UpdatedAt = true, s.now()
		return tenants.DB(ctx).Model(&Address{}).Where("id = ?", addr.ID).
			Updates(map[string]any{"is_default": true, "updated_at": addr.UpdatedAt}).Error
	})
}

// changeAddress runs change on one of the signed-in customer's addresses in
// a transaction, then keeps a single default.
func (s *Service) changeAddress(ctx context.Context, id int64, change func(ctx context.Context, addr *Address) error) (Address, error) {
	a, err := customer(ctx)
	if err != nil {
		return Address{}, err
	}
	var out Address
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		addr, err := s.ownAddress(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if err := change(ctx, &addr); err != nil {
			return err
		}
		out = addr
		return s.onlyDefault(ctx, addr)
	})
	return out, err
}

// DeleteAddress removes one of the customer's addresses.
func (s *Service) DeleteAddress(ctx context.Context, id int64) error {
	a, err := customer(ctx)
	if err != nil {
		return err
	}
	res := addresses(ctx, a.AccountID).Where("id = ?", id).Updates(map[string]any{"deleted_at": s.now(), "is_default": false})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrAddressNotFound
	}
	return nil
}

// onlyDefault clears the default flag of the customer's other addresses
// when addr is the default.
func (s *Service) onlyDefault(ctx context.Context, addr Address) error {
	if !addr.IsDefault {
		return nil
	}
	return addresses(ctx, addr.AccountID).Where("id <> ? AND is_default = ?", addr.ID, true).Update("is_default", false).Error
}
