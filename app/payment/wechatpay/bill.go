package wechatpay

import (
	"context"
	"crypto/sha1"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"doorstep/app/payment"
)

// Bill implements payment.Gateway: it asks for the day's ALL trade bill,
// downloads it with a signed GET and checks it against the SHA1 from the
// verified answer, since the download itself carries no signature.
func (g *Gateway) Bill(ctx context.Context, day time.Time) ([]payment.BillLine, error) {
	date := day.In(payment.Shanghai).Format("2006-01-02")
	var r struct {
		HashType    string `json:"hash_type"`
		HashValue   string `json:"hash_value"`
		DownloadURL string `json:"download_url"`
	}
	err := g.do(ctx, http.MethodGet, "/v3/bill/tradebill", url.Values{"bill_date": {date}, "bill_type": {"ALL"}}, nil, &r)
	var ae *APIError
	if errors.As(err, &ae) && ae.Signed && ae.Code == "NO_STATEMENT_EXIST" {
		// WeChat makes no bill for a day without a successful trade.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.HashType != "SHA1" {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay bill %s: hash_type %q", date, r.HashType))
	}
	u, err := url.Parse(r.DownloadURL)
	if err != nil || u.Scheme != g.base.Scheme || u.Host != g.base.Host {
		// The download is signed with our key; it goes to WeChat only.
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay bill %s: download_url %q is not on %s", date, r.DownloadURL, g.base.Host))
	}
	resp, raw, err := g.send(ctx, http.MethodGet, u.String(), nil, maxBillBytes)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay bill %s download: HTTP %d", date, resp.StatusCode))
	}
	sum := sha1.Sum(raw)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), r.HashValue) {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay bill %s: SHA1 %x, the answer said %s", date, sum, r.HashValue))
	}
	lines, err := parseBill(string(raw))
	if err != nil {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay bill %s: %w", date, err))
	}
	return lines, nil
}

// parseBill reads the ALL trade bill CSV: a header line, one line per
// payment (交易状态 SUCCESS) or refund (REFUND), then totals from the line
// starting 总交易单数. WeChat prefixes every value with a backtick so
// spreadsheets keep long numbers as text.
func parseBill(text string) ([]payment.BillLine, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	if i := strings.Index(text, "\n总交易单数"); i >= 0 {
		text = text[:i+1]
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse CSV: %w", err)
	}
	if len(records) == 0 {
		return nil, errors.New("no header line")
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[clean(h)] = i
	}
	for _, need := range []string{"交易时间", "微信订单号", "商户订单号", "交易状态", "微信退款单号", "商户退款单号", "退款金额"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("no column %s", need)
		}
	}
	// 订单金额 is what the order asked for, as CreateRequest.AmountFen;
	// 应结订单金额 leaves out vouchers and is the older bills' only amount.
	payCol, ok := col["订单金额"]
	if !ok {
		if payCol, ok = col["应结订单金额"]; !ok {
			return nil, errors.New("no column 订单金额 or 应结订单金额")
		}
	}
	var lines []payment.BillLine
	for n, rec := range records[1:] {
		field := func(i int) string {
			if i < len(rec) {
				return clean(rec[i])
			}
			return ""
		}
		var line payment.BillLine
		var amount string
		switch field(col["交易状态"]) {
		case "SUCCESS":
			line = payment.BillLine{Kind: "payment", ProviderID: field(col["微信订单号"])}
			amount = field(payCol)
		case "REFUND":
			line = payment.BillLine{Kind: "refund", ProviderID: field(col["微信退款单号"]), OutRefundNo: field(col["商户退款单号"])}
			amount = field(col["退款金额"])
		default:
			continue // REVOKED and the like moved no money
		}
		line.OutTradeNo = field(col["商户订单号"])
		if line.AmountFen, err = payment.YuanToFen(amount); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+2, err)
		}
		if line.At, err = time.ParseInLocation("2006-01-02 15:04:05", field(col["交易时间"]), payment.Shanghai); err != nil {
			return nil, fmt.Errorf("line %d 交易时间: %w", n+2, err)
		}
		lines = append(lines, line)
	}
	return lines, nil
}

func clean(s string) string { return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "`")) }
