package payment_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"doorstep/app/payment"
)

func TestYuanToFen_ExactDecimalOrRefused(t *testing.T) {
	cases := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "88.00", want: 8800},
		{in: "88", want: 8800},
		{in: "88.5", want: 8850},
		{in: "0.01", want: 1},
		{in: "0.29", want: 29}, // 0.29*100 is 28.999999999999996 as a float
		{in: "1234567.89", want: 123456789},
		{in: "-50.00", want: -5000},
		{in: "007.10", want: 710},
		{in: "92233720368547758.07", want: 9223372036854775807},
		{in: "", wantErr: true},
		{in: "-", wantErr: true},
		{in: "1.234", wantErr: true},
		{in: "88.001", wantErr: true},
		{in: ".5", wantErr: true},
		{in: "5.", wantErr: true},
		{in: "+1.00", wantErr: true},
		{in: " 1.00", wantErr: true},
		{in: "1,000.00", wantErr: true},
		{in: "1e3", wantErr: true},
		{in: "NaN", wantErr: true},
		{in: "1.0.0", wantErr: true},
		{in: "--1", wantErr: true},
		{in: "92233720368547758.08", wantErr: true},
	}
	for _, tc := range cases {
		got, err := payment.YuanToFen(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("YuanToFen(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("YuanToFen(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestFenToYuan_TwoDecimalsAndRoundTrips(t *testing.T) {
	cases := map[int64]string{0: "0.00", 1: "0.01", 29: "0.29", 8800: "88.00", 123456789: "1234567.89", -5000: "-50.00"}
	for fen, want := range cases {
		if got := payment.FenToYuan(fen); got != want {
			t.Errorf("FenToYuan(%d) = %q, want %q", fen, got, want)
		}
	}
	for fen := int64(-1000); fen <= 100000; fen += 7 {
		back, err := payment.YuanToFen(payment.FenToYuan(fen))
		if err != nil || back != fen {
			t.Fatalf("round trip of %d: %d, %v", fen, back, err)
		}
	}
}

func TestParseRSAPrivateKey_PKCS1PKCS8AndBareBase64(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PrivateKey(key)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "PKCS#1 PEM", in: pemText("RSA PRIVATE KEY", pkcs1)},
		{name: "PKCS#8 PEM", in: pemText("PRIVATE KEY", pkcs8)},
		{name: "bare PKCS#8 base64 as the Alipay key tool writes it", in: base64.StdEncoding.EncodeToString(pkcs8)},
		{name: "bare PKCS#1 base64", in: base64.StdEncoding.EncodeToString(pkcs1)},
		{name: "EC key", in: pemText("PRIVATE KEY", ecDER), wantErr: true},
		{name: "public key block", in: pemText("PUBLIC KEY", pkcs1), wantErr: true},
		{name: "garbage", in: "not a key", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := payment.ParseRSAPrivateKey(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(key) {
				t.Fatal("parsed a different key")
			}
		})
	}
}

func TestParseRSAPublicKey_PKIXPKCS1CertificateAndBareBase64(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkix1, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Tenpay.com Root CA"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"PKIX PEM":                   pemText("PUBLIC KEY", pkix1),
		"PKCS#1 PEM":                 pemText("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey)),
		"certificate":                pemText("CERTIFICATE", cert),
		"bare base64 as 支付宝公钥 shows": base64.StdEncoding.EncodeToString(pkix1),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := payment.ParseRSAPublicKey(in)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(&key.PublicKey) {
				t.Fatal("parsed a different key")
			}
		})
	}
	if _, err := payment.ParseRSAPublicKey(pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))); err == nil {
		t.Fatal("a private key block was accepted as a public key")
	}
}

func TestVerifySHA256RSA_RefusesAnotherMessageOrKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("app_id=2021000000000000&total_amount=88.00")
	sig, err := payment.SignSHA256RSA(key, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := payment.VerifySHA256RSA(&key.PublicKey, msg, sig); err != nil {
		t.Fatalf("genuine signature refused: %v", err)
	}
	for name, check := range map[string]error{
		"other message": payment.VerifySHA256RSA(&key.PublicKey, []byte("app_id=2021000000000000&total_amount=0.01"), sig),
		"other key":     payment.VerifySHA256RSA(&other.PublicKey, msg, sig),
		"not base64":    payment.VerifySHA256RSA(&key.PublicKey, msg, "%%%"),
	} {
		if !errors.Is(check, payment.ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, check)
		}
	}
}

func pemText(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
