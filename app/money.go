package app

import "fmt"

// Fen is an amount of money in the smallest currency unit (分). Never a float.
type Fen = int64

// FormatYuan renders fen as "123.45" for messages and templates.
func FormatYuan(f Fen) string {
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	return fmt.Sprintf("%s%d.%02d", sign, f/100, f%100)
}

// Percent applies basis points (1/100 of a percent) to an amount, rounding
// half up, so 10% is 1000 bps.
func Percent(amount Fen, bps int64) Fen {
	return (amount*bps + 5000) / 10000
}
