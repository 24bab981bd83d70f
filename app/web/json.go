package web

import (
	"encoding/json"
	"errors"
	"fmt"
)

func fiberJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

// jsonErrText explains a JSON error without echoing the client's data.
func jsonErrText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type.String())
	}
	return "malformed"
}
