package alipay

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"doorstep/app/payment"
)

// Bill implements payment.Gateway: it asks for the day's trade bill URL,
// downloads the zip and parses its detail file (业务明细, not 业务明细(汇总)).
// The URL is trusted because it came in a verified answer; the download
// itself carries no signature.
func (g *Gateway) Bill(ctx context.Context, day time.Time) ([]payment.BillLine, error) {
	biz := map[string]string{"bill_type": "trade", "bill_date": day.In(payment.Shanghai).Format("2006-01-02")}
	var r struct {
		BillDownloadURL string `json:"bill_download_url"`
	}
	if err := g.call(ctx, "alipay.data.dataservice.bill.downloadurl.query", biz, "", &r); err != nil {
		return nil, err
	}
	if r.BillDownloadURL == "" {
		return nil, payment.ErrGateway.Wrap(errors.New("alipay bill: no bill_download_url"))
	}
	zipped, err := g.download(ctx, r.BillDownloadURL)
	if err != nil {
		return nil, err
	}
	lines, err := parseBillZip(zipped)
	if err != nil {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("alipay bill %s: %w", biz["bill_date"], err))
	}
	return lines, nil
}

func (g *Gateway) download(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("alipay bill download: %w", err))
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("alipay bill download: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("alipay bill download: HTTP %d", resp.StatusCode))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBillBytes+1))
	if err != nil {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("alipay bill download: %w", err))
	}
	if len(b) > maxBillBytes {
		return nil, payment.ErrGateway.Wrap(fmt.Errorf("alipay bill download: larger than %d bytes", maxBillBytes))
	}
	return b, nil
}

// parseBillZip reads every detail CSV in the zip. Alipay writes the entry
// names in GBK without the zip UTF-8 flag.
func parseBillZip(b []byte) ([]payment.BillLine, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("open zip: %w", err)
	}
	var lines []payment.BillLine
	found := false
	for _, f := range zr.File {
		name := entryName(f)
		if !strings.HasSuffix(strings.ToLower(f.Name), ".csv") || isSummary(f.Name) {
			continue
		}
		found = true
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		text, err := io.ReadAll(io.LimitReader(simplifiedchinese.GBK.NewDecoder().Reader(rc), maxBillBytes))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		ls, err := parseDetail(string(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		lines = append(lines, ls...)
	}
	if !found {
		return nil, errors.New("the zip holds no detail file")
	}
	return lines, nil
}

// entryName is the zip entry's name as text for messages: GBK unless it
// is valid UTF-8.
func entryName(f *zip.File) string {
	if utf8.ValidString(f.Name) {
		return f.Name
	}
	if dec, err := simplifiedchinese.GBK.NewDecoder().String(f.Name); err == nil {
		return dec
	}
	return f.Name
}

// isSummary looks for 汇总 in the name read both as UTF-8 and as GBK: a GBK
// name can happen to be valid UTF-8, and some writers store UTF-8 without
// the zip flag, so neither reading can be trusted alone.
func isSummary(name string) bool {
	if strings.Contains(name, "汇总") {
		return true
	}
	dec, err := simplifiedchinese.GBK.NewDecoder().String(name)
	return err == nil && strings.Contains(dec, "汇总")
}

// parseDetail reads the 业务明细 CSV: '#' lines are the title, period and
// totals; the first other line names the columns. Alipay pads values with
// tabs and spaces so spreadsheets keep long numbers as text.
func parseDetail(text string) ([]payment.BillLine, error) {
	var data []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		data = append(data, l)
	}
	if len(data) == 0 {
		return nil, errors.New("no column header")
	}
	r := csv.NewReader(strings.NewReader(strings.Join(data, "\n")))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse CSV: %w", err)
	}
	col := map[string]int{}
	for i, h := range records[0] {
		// Column names carry the unit in full-width or ASCII brackets
		// depending on the bill's vintage.
		h = strings.TrimSpace(h)
		h = strings.NewReplacer("（元）", "", "(元)", "").Replace(h)
		col[h] = i
	}
	for _, need := range []string{"支付宝交易号", "商户订单号", "业务类型", "完成时间"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("no column %s", need)
		}
	}
	amountCol, ok := col["订单金额"]
	if !ok {
		if amountCol, ok = col["商家实收"]; !ok {
			return nil, errors.New("no column 订单金额 or 商家实收")
		}
	}
	var lines []payment.BillLine
	for n, rec := range records[1:] {
		field := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		var kind string
		switch field(col["业务类型"]) {
		case "交易":
			kind = "payment"
		case "退款":
			kind = "refund"
		default:
			continue // other business types (分账, 冻结...) move no money of ours
		}
		amount, err := payment.YuanToFen(field(amountCol))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		if amount < 0 {
			amount = -amount // refunds are written negative
		}
		at, err := parseTime(field(col["完成时间"]))
		if err != nil {
			return nil, fmt.Errorf("line %d 完成时间: %w", n+1, err)
		}
		line := payment.BillLine{
			Kind:       kind,
			OutTradeNo: field(col["商户订单号"]),
			ProviderID: field(col["支付宝交易号"]),
			AmountFen:  amount,
			At:         at,
		}
		if kind == "refund" {
			if i, ok := col["退款批次号/请求号"]; ok {
				line.OutRefundNo = field(i)
			}
		}
		lines = append(lines, line)
	}
	return lines, nil
}
