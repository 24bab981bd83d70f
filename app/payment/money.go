package payment

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"doorstep/app"
)

// Shanghai is China Standard Time, the zone both Chinese providers write
// their local timestamps and bill days in. A fixed zone rather than
// time.LoadLocation: China has kept UTC+8 without daylight saving since 1991,
// and a slim container may have no tzdata.
var Shanghai = time.FixedZone("CST", 8*60*60)

// YuanToFen reads a provider's yuan amount ("88", "88.5", "88.00", "-50.00")
// exactly. It parses the decimal text instead of going through a float, and
// refuses a third decimal rather than rounding it away: an amount we cannot
// represent to the fen is not one we may silently accept.
func YuanToFen(s string) (int64, error) {
	digits := s
	neg := strings.HasPrefix(digits, "-")
	if neg {
		digits = digits[1:]
	}
	whole, frac, hasPoint := strings.Cut(digits, ".")
	switch {
	case !isDigits(whole):
		return 0, fmt.Errorf("yuan amount %q: not a decimal number", s)
	case hasPoint && !isDigits(frac):
		return 0, fmt.Errorf("yuan amount %q: not a decimal number", s)
	case len(frac) > 2:
		return 0, fmt.Errorf("yuan amount %q: more than two decimals", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	fen, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("yuan amount %q: %w", s, err)
	}
	if neg {
		fen = -fen
	}
	return fen, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FenToYuan renders fen the way the providers want yuan amounts: two
// decimals, no grouping ("88.00").
func FenToYuan(fen int64) string { return app.FormatYuan(fen) }

// ParseRSAPrivateKey reads a merchant's RSA private key as PEM (PKCS#1
// "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY") or as the bare base64 body that
// the Alipay key tool and the WeChat Pay console hand out.
func ParseRSAPrivateKey(s string) (*rsa.PrivateKey, error) {
	der, err := keyDER(s, "RSA PRIVATE KEY", "PRIVATE KEY")
	if err != nil {
		return nil, fmt.Errorf("parse RSA private key: %w", err)
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse RSA private key: neither PKCS#1 nor PKCS#8: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("parse RSA private key: the key is a %T, not RSA", k)
	}
	return rk, nil
}

// ParseRSAPublicKey reads a provider's RSA public key as PEM (PKIX
// "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY", or a "CERTIFICATE" whose key is
// taken) or as bare base64, the way the Alipay console shows 支付宝公钥.
func ParseRSAPublicKey(s string) (*rsa.PublicKey, error) {
	der, err := keyDER(s, "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE")
	if err != nil {
		return nil, fmt.Errorf("parse RSA public key: %w", err)
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	var k any
	if pk, err := x509.ParsePKIXPublicKey(der); err == nil {
		k = pk
	} else if cert, cerr := x509.ParseCertificate(der); cerr == nil {
		k = cert.PublicKey
	} else {
		return nil, fmt.Errorf("parse RSA public key: neither PKIX, PKCS#1 nor a certificate: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("parse RSA public key: the key is a %T, not RSA", k)
	}
	return rk, nil
}

// keyDER unwraps one PEM block of an allowed type, or decodes bare base64.
func keyDER(s string, types ...string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("malformed PEM")
		}
		for _, t := range types {
			if block.Type == t {
				return block.Bytes, nil
			}
		}
		return nil, fmt.Errorf("PEM block %q, want one of %q", block.Type, types)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return nil, fmt.Errorf("neither PEM nor base64: %w", err)
	}
	return der, nil
}

// SignSHA256RSA is the signature both providers use (Alipay's "RSA2",
// WeChat Pay's "SHA256-RSA2048"): RSASSA-PKCS1-v1_5 over SHA-256, base64.
func SignSHA256RSA(key *rsa.PrivateKey, msg []byte) (string, error) {
	sum := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign SHA256withRSA: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifySHA256RSA checks a base64 SHA256withRSA signature and answers
// ErrBadSignature for anything that does not verify.
func VerifySHA256RSA(key *rsa.PublicKey, msg []byte, sigBase64 string) error {
	sig, err := base64.StdEncoding.DecodeString(sigBase64)
	if err != nil {
		return ErrBadSignature.Wrap(fmt.Errorf("signature is not base64: %w", err))
	}
	sum := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return ErrBadSignature.Wrap(err)
	}
	return nil
}
