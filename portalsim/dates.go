package portalsim

import (
	"fmt"
	"time"
)

// cst is China Standard Time, the zone of every date of the portal.
var cst = time.FixedZone("CST", 8*3600)

// day is a calendar date in CST, counted in days since 1970-01-01.
type day int32

func mkday(y int, m time.Month, d int) day {
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayOf is the CST calendar date of t.
func dayOf(t time.Time) day {
	y, m, d := t.In(cst).Date()
	return mkday(y, m, d)
}

func (d day) ymd() (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

func (d day) year() int { y, _, _ := d.ymd(); return y }

// at is the instant minute minutes after midnight CST of d.
func (d day) at(minute int) time.Time {
	y, m, dd := d.ymd()
	return time.Date(y, m, dd, 0, minute, 0, 0, cst)
}

func (d day) iso() string {
	y, m, dd := d.ymd()
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), dd)
}

// Date formats of DOMAIN.md.
const (
	fmtISO      = iota // 2026-04-09
	fmtCNPadded        // 2024年03月17日
	fmtCN              // 2023年8月23日
	fmtBracket         // [2021-03-17]
	fmtShort           // [03-17]
	fmtDateTime        // 2026-04-28 18:20
	fmtSlash           // 2026/08/31 09:30
	fmtCompact         // 20261006
	fmtISOTime         // 2026-04-28 18:20:00
)

// format writes d (and minute, for the formats with a time) in style f.
func (d day) format(f int, minute int) string {
	y, m, dd := d.ymd()
	h, mi := minute/60, minute%60
	switch f {
	case fmtCNPadded:
		return fmt.Sprintf("%04d年%02d月%02d日", y, int(m), dd)
	case fmtCN:
		return fmt.Sprintf("%d年%d月%d日", y, int(m), dd)
	case fmtBracket:
		return fmt.Sprintf("[%04d-%02d-%02d]", y, int(m), dd)
	case fmtShort:
		return fmt.Sprintf("[%02d-%02d]", int(m), dd)
	case fmtDateTime:
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d", y, int(m), dd, h, mi)
	case fmtSlash:
		return fmt.Sprintf("%04d/%02d/%02d %02d:%02d", y, int(m), dd, h, mi)
	case fmtCompact:
		return fmt.Sprintf("%04d%02d%02d", y, int(m), dd)
	case fmtISOTime:
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:00", y, int(m), dd, h, mi)
	default:
		return d.iso()
	}
}

// quarter is a calendar quarter, e.g. {2026, 3}.
type quarter struct{ y, q int }

func quarterOf(d day) quarter {
	y, m, _ := d.ymd()
	return quarter{y, (int(m)-1)/3 + 1}
}

func (q quarter) String() string { return fmt.Sprintf("%dQ%d", q.y, q.q) }
func (q quarter) start() day     { return mkday(q.y, time.Month(3*q.q-2), 1) }
func (q quarter) end() day       { return q.next().start() - 1 }
func (q quarter) next() quarter {
	if q.q == 4 {
		return quarter{q.y + 1, 1}
	}
	return quarter{q.y, q.q + 1}
}

// monthEnd is the last day of month m of year y.
func monthEnd(y int, m time.Month) day { return mkday(y, m+1, 1) - 1 }
