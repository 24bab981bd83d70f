package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// CSV exports: how long one may take, how long one flush may wait on a slow
// reader, and how many rows go out between flushes.
const (
	csvTimeout   = 5 * time.Minute
	csvWriteWait = 30 * time.Second
	csvFlushRows = 500
)

// csv answers with a CSV attachment streamed row by row, for any list or
// figure range:
//
//	return s.csv(c, "orders-sz.csv", []string{"order_no", "status"}, func(ctx context.Context, yield func([]string) error) error {
//		for ... { if err := yield([]string{o.OrderNo, o.Status}); err != nil { return err } }
//		return nil
//	})
//
// The file is UTF-8 with a byte order mark (so Excel reads Chinese right),
// CRLF line ends, and fields quoted by encoding/csv wherever they hold a
// comma, a quote or a line break. A text cell that a spreadsheet would run
// as a formula (starting with = + - @ or a tab) is written with a leading
// apostrophe, unless it is a plain number.
//
// rows runs in its own goroutine, with a context that keeps the request's
// values (city, actor) but not its deadline (csvTimeout instead), so it may
// page through a service for as long as the export takes. It must not touch
// c: Fiber reuses it once the handler returns; copy what it needs first
// (strings from c.Query or s.query with strings.Clone). yield may be called
// with a reused slice. An error before the first row is answered as a normal
// error response; after it the status is already sent, so the file simply
// ends early and the error is logged. A client that stops reading stops rows
// (yield returns an error).
func (s *Server) csv(c *fiber.Ctx, filename string, header []string, rows func(ctx context.Context, yield func([]string) error) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), csvTimeout)
	recs := make(chan []string, 256)
	done := make(chan error, 1)
	go func() {
		defer close(recs)
		done <- rows(ctx, func(r []string) error {
			select {
			case recs <- slices.Clone(r):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	// Wait for the first row (or the end) so a refused filter or a failing
	// first page still gets its proper status.
	first, more := <-recs
	var ended bool
	if !more {
		ended = true
		if err := <-done; err != nil {
			cancel()
			return err
		}
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment(filename))
	c.Set(fiber.HeaderCacheControl, "no-store")
	if c.Method() == fiber.MethodHead {
		cancel()
		return nil
	}
	conn := c.Context().Conn()
	rid, _ := c.Locals("rid").(string)
	route := strings.Clone(routePath(c))
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		defer cancel()
		w := csv.NewWriter(bw)
		w.UseCRLF = true
		flush := func() error {
			if conn != nil {
				// The server's write timeout covers one response; an export
				// extends it as long as the client keeps reading.
				_ = conn.SetWriteDeadline(time.Now().Add(csvWriteWait))
			}
			w.Flush()
			if err := w.Error(); err != nil {
				return err
			}
			return bw.Flush()
		}
		stop := func() { // the client went away: end rows and let it finish
			cancel()
			for range recs {
			}
			if !ended {
				<-done
			}
		}
		if _, err := bw.WriteString("\uFEFF"); err != nil {
			stop()
			return
		}
		if err := w.Write(header); err != nil {
			stop()
			return
		}
		n := 0
		if more {
			if err := w.Write(cells(first)); err != nil {
				stop()
				return
			}
			n++
		}
		for r := range recs {
			if err := w.Write(cells(r)); err != nil {
				stop()
				return
			}
			if n++; n%csvFlushRows == 0 && flush() != nil {
				stop()
				return
			}
		}
		if err := flush(); err != nil {
			stop()
			return
		}
		if !ended {
			if err := <-done; err != nil {
				s.log.Error("csv export ended early", "rid", rid, "route", route, "rows", n, "err", err)
			}
		}
	})
	return nil
}

// cells neutralises spreadsheet formulas in one row, in place (rows reach
// the writer as copies made by yield).
func cells(r []string) []string {
	for i, v := range r {
		if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			continue
		}
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			continue
		}
		r[i] = "'" + v
	}
	return r
}

// attachment is a Content-Disposition for a download named name: an ASCII
// filename for old clients and the exact one as RFC 5987 filename*.
func attachment(name string) string {
	ascii := []byte(name)
	for i, b := range ascii {
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_') {
			ascii[i] = '_'
		}
	}
	var enc strings.Builder
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_' || b == '~' {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, enc.String())
}
