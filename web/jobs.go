package web

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules/workday"
)

// runCheck runs every check now, from the browser, and says what changed.
func (s *Server) runCheck(w http.ResponseWriter, r *http.Request) {
	if !s.jobLock.TryLock() {
		s.fail(w, r, http.StatusConflict, "已有一项任务在运行，请稍后再试", nil)
		return
	}
	defer s.jobLock.Unlock()
	rep, err := jobs.Check(r.Context(), s.cfg, s.st, s.now())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "检查失败", err)
		return
	}
	var found, added, resolved int
	for _, c := range rep.Checks {
		found += c.Findings
		added += c.New
		resolved += c.Resolved
	}
	u := UserFrom(r.Context())
	s.log.Info("check run from the web UI", "by", u.Name, "run", rep.RunID)
	s.sessions.setFlash(u.session, fmt.Sprintf("检查完成（截至 %s）：发现 %d 个问题，其中新增 %d 个、已消除 %d 个", rep.AsOf.Format("2006-01-02"), found, added, resolved))
	http.Redirect(w, r, "/findings?status=draft", http.StatusSeeOther)
}

type digestData struct {
	Week     string
	Units    []digestUnit
	Unit     string
	Text     string
	Subject  string
	NoMail   bool
	Summary  string
	Disabled string
}

type digestUnit struct {
	ID, Name string
	Items    int
	Selected bool
}

// digest builds this week's digest and its emails.
func (s *Server) digest(r *http.Request) (*reports.Digest, reports.Messages, reports.Week, error) {
	asOf := workday.Day(s.now())
	week := reports.WeekOf(asOf)
	cal, err := jobs.Calendar(s.cfg, nil)
	if err != nil {
		return nil, reports.Messages{}, week, err
	}
	d, err := jobs.Digest(r.Context(), s.cfg, s.st, cal, week, asOf)
	if err != nil {
		return nil, reports.Messages{}, week, err
	}
	ms, err := d.Messages(s.cfg.Mail.Office)
	return d, ms, week, err
}

// digestPage previews this week's digest: the units that get an email and
// the text of one of them.
func (s *Server) digestPage(w http.ResponseWriter, r *http.Request) {
	d, _, week, err := s.digest(r)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "生成每周提醒失败", err)
		return
	}
	// The preview shows every unit's email, also of units without an
	// address (which the real run lists in the summary only).
	pd := *d
	pd.Units = append([]reports.UnitDigest(nil), d.Units...)
	noAddr := map[string]bool{}
	for i := range pd.Units {
		if pd.Units[i].Unit.Email == "" {
			pd.Units[i].Unit.Email = "preview@invalid"
			noAddr[pd.Units[i].Unit.ID] = true
		}
	}
	office := s.cfg.Mail.Office
	if office == "" {
		office = "preview@invalid"
	}
	ms, err := pd.Messages(office)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "生成每周提醒失败", err)
		return
	}
	dd := digestData{Week: fmt.Sprintf("%d年第%d周", week.Year, week.Num), Unit: r.URL.Query().Get("unit"), NoMail: s.cfg.Mail.Host == ""}
	for _, u := range d.Units {
		name := u.Unit.Name
		if noAddr[u.Unit.ID] {
			name += "，未配置邮箱"
		}
		dd.Units = append(dd.Units, digestUnit{ID: u.Unit.ID, Name: name, Items: u.Count(), Selected: u.Unit.ID == dd.Unit})
	}
	for _, m := range ms.List {
		if (dd.Unit == "" && m.Unit == "") || (dd.Unit != "" && m.Unit == dd.Unit) {
			dd.Text, dd.Subject = m.Text, m.Subject
		}
	}
	if dd.Text == "" && len(ms.List) > 0 && dd.Unit == "" {
		dd.Text, dd.Subject = ms.List[0].Text, ms.List[0].Subject
	}
	dd.Text = strings.ReplaceAll(dd.Text, "preview@invalid", "（未配置邮箱）")
	dd.Summary = fmt.Sprintf("%d 个单位有待办事项", len(d.Units))
	if len(noAddr) > 0 {
		dd.Summary += fmt.Sprintf("（其中 %d 个未配置邮箱，只列入汇总）", len(noAddr))
	}
	if s.cfg.Mail.Office == "" {
		dd.Summary += "；未配置 mail.office，汇总不发送"
	}
	s.Render(w, r, "digest", "每周提醒", dd)
}

// sendDigest sends this week's digest (each email once per week and
// recipient) and records the run.
func (s *Server) sendDigest(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Mail.Host == "" {
		s.fail(w, r, http.StatusBadRequest, "未配置邮件服务器（mail.host），无法发送", nil)
		return
	}
	smtp, err := reports.SMTPFromConfig(s.cfg.Mail, os.Getenv)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "邮件设置有误："+err.Error(), nil)
		return
	}
	if !s.jobLock.TryLock() {
		s.fail(w, r, http.StatusConflict, "已有一项任务在运行，请稍后再试", nil)
		return
	}
	defer s.jobLock.Unlock()
	d, ms, week, err := s.digest(r)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "生成每周提醒失败", err)
		return
	}
	res, err := jobs.SendDigest(r.Context(), s.cfg, s.st, smtp, week, d, ms.List)
	u := UserFrom(r.Context())
	msg := fmt.Sprintf("每周提醒 %s：已发送 %d 封，跳过（本周已发送）%d 封", week, len(res.Sent), len(res.Skipped))
	if len(res.Failed) > 0 || err != nil {
		var names []string
		for _, f := range res.Failed {
			names = append(names, f.Message.ToName)
		}
		msg += fmt.Sprintf("，失败 %d 封（%s）", len(res.Failed), strings.Join(names, "、"))
		s.log.Error("digest sent from the web UI", "by", u.Name, "err", err)
	}
	s.sessions.setFlash(u.session, msg)
	http.Redirect(w, r, "/digest", http.StatusSeeOther)
}
