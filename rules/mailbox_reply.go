package rules

import (
	"errors"
	"fmt"
	"strings"

	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// checkMailboxReply: a letter received in the window and answered more than
// the mailbox's limit of working days later, or unanswered and older than
// the limit as of asOf (Art. 6.4).
func checkMailboxReply(e *env, _ Def) outcome {
	var o outcome
	for _, l := range e.letters {
		received, err := parseDay(l.Received)
		if err != nil {
			if _, ok := e.mailboxState(l.Mailbox); ok && l.FetchErr == "" {
				o.undatable++
			}
			continue
		}
		if !e.inWindow(received) {
			continue
		}
		if _, ok := e.mailboxState(l.Mailbox); !ok || l.FetchErr != "" {
			o.notAudited++
			if l.FetchErr != "" {
				o.unaudited = append(o.unaudited, l.URL)
			}
			continue
		}
		limit := e.replyLimit(l.Mailbox)
		replied, rerr := parseDay(l.Replied)
		answered := rerr == nil && !replied.After(e.asOf)
		if rerr != nil && strings.TrimSpace(l.Replied) == "" && (answeredStatus(l.Status) || l.Answered && !pendingStatus(l.Status)) {
			o.undatable++ // answered, but the page gives no reply date
			continue
		}
		if rerr != nil && strings.TrimSpace(l.Replied) != "" {
			o.undatable++
			continue
		}
		end := e.asOf
		if answered {
			end = replied
		}
		n, err := e.cal.Between(received, end)
		if err != nil {
			if errors.Is(err, workday.ErrNoData) {
				o.undatable++
				continue
			}
			e.err = err
			return o
		}
		o.examined++
		if n <= limit {
			continue
		}
		x, err := e.cal.Explain(received, end)
		if err != nil {
			e.err = err
			return o
		}
		var text string
		dates := map[string]string{"received": received.Format(dateLayout)}
		if answered {
			dates["replied"] = replied.Format(dateLayout)
			text = fmt.Sprintf("来信 %s，答复 %s：%d 个工作日，超过 %d 个工作日%s",
				received.Format(dateLayout), replied.Format(dateLayout), x.Workdays, limit, holidayNote(x))
		} else {
			text = fmt.Sprintf("来信 %s，截至 %s 未答复：已 %d 个工作日，超过 %d 个工作日%s",
				received.Format(dateLayout), e.asOf.Format(dateLayout), x.Workdays, limit, holidayNote(x))
		}
		if due, err := e.cal.Add(received, limit); err == nil {
			dates["due"] = due.Format(dateLayout)
		}
		unit := l.Unit
		if m, ok := e.mailboxes[l.Mailbox]; ok && unit == "" {
			unit = m.Unit
		}
		f := store.Finding{
			Subject: l.URL,
			Unit:    unit,
			Column:  l.Mailbox,
			URL:     l.URL,
			Title:   l.Title,
			Quarter: Quarter(received),
			Evidence: store.Evidence{
				Text:         text,
				Dates:        dates,
				SnapshotHash: l.SnapshotHash,
				FetchedAt:    l.FetchedAt,
			},
		}
		explained(&f.Evidence, x)
		o.findings = append(o.findings, f)
	}
	return o
}

// replyLimit is a mailbox's reply limit in working days.
func (e *env) replyLimit(id string) int {
	if m, ok := e.mailboxes[id]; ok && m.ReplyDays > 0 {
		return m.ReplyDays
	}
	if e.cfg.Rules.MailboxReplyDays > 0 {
		return e.cfg.Rules.MailboxReplyDays
	}
	return 5
}

// answeredStatus reports whether a letter's status says it was answered:
// 已办结, 已回复, 已答复, 已处理, 已反馈, 已解答, 已办理, 已完成, 办结,
// 已回复（未公开）, 已公开 (a mailbox publishes a letter with its reply) …,
// but not 未办结, 待反馈, 尚未答复, 不予办理, 不公开 or 办理中.
func answeredStatus(s string) bool {
	for _, w := range []string{"办结", "回复", "答复", "处理", "反馈", "解答", "办理", "完成", "公开"} {
		for rest := s; ; {
			i := strings.Index(rest, w)
			if i < 0 {
				break
			}
			before, after := rest[:i], rest[i+len(w):]
			negated := strings.HasSuffix(before, "未") || strings.HasSuffix(before, "待") ||
				strings.HasSuffix(before, "不") || strings.HasSuffix(before, "不予") || strings.HasPrefix(after, "中")
			if !negated {
				return true
			}
			rest = after
		}
	}
	return false
}

// pendingStatus reports whether a letter's status says it is not answered
// yet (办理中, 待处理, 已受理, 已转办, 未回复 …): it outweighs a reply text
// without a date.
func pendingStatus(s string) bool {
	for _, w := range []string{"中", "未", "待", "受理", "转办"} {
		if strings.Contains(s, w) {
			return !answeredStatus(s)
		}
	}
	return false
}
