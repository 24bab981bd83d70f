// Package redact keeps secrets and personal data out of errors about calls
// to outside services: transport errors carry the whole request URL (with
// app secrets, codes, tokens or phone numbers in the query), and providers
// sometimes quote our parameters back in their messages. Standard library
// only.
package redact

import (
	"errors"
	"net/url"
	"strings"
)

// URLError drops the query and fragment from a *url.Error inside err.
func URLError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "(unparsable url)", Err: ue.Err}
	}
	u.RawQuery, u.Fragment = "", ""
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}

// Echoes replaces, in a provider's message, every value of q under keys with
// "<key>", should the provider quote one back.
func Echoes(msg string, q url.Values, keys ...string) string {
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			msg = strings.ReplaceAll(msg, v, "<"+k+">")
		}
	}
	return msg
}
