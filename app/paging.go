package app

import (
	"encoding/base64"
	"encoding/json"
)

// Page asks for one page of a list. Cursor is opaque to clients.
type Page struct {
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// Size clamps the requested limit to [1, 100], default 20.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return 20
	case p.Limit > 100:
		return 100
	}
	return p.Limit
}

// List is one page of items and the cursor of the next page ("" at the end).
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// EncodeCursor packs a keyset position (sort key values) into an opaque string.
func EncodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor unpacks a cursor made by EncodeCursor; a bad cursor is a 400.
func DecodeCursor(s string, v any) error {
	if s == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Invalid("cursor", "malformed cursor")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return Invalid("cursor", "malformed cursor")
	}
	return nil
}
