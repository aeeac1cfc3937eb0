package store

import "time"

// Dates in records are calendar dates in China Standard Time written as
// "2006-01-02"; an empty string means the page did not give the date.
// Times (Received, Replied) are "2006-01-02 15:04" or a bare date.

// Run is one execution of a job (a crawl, a check, a digest …) with its figures.
type Run struct {
	ID        uint64    `json:"id"`
	Kind      string    `json:"kind"` // crawl, check, digest, report, probe …
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// UpdatedAt is when a running run last saved its progress (figures
	// included): a run whose process died (kill -9, power loss) ended
	// then, as far as anyone can tell.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Status is running, ok, failed or interrupted.
	Status string `json:"status"`
	Note   string `json:"note,omitempty"` // one-line reason for failed/interrupted
	// Figures of a crawl.
	Pages       int            `json:"pages"`        // pages fetched (any status)
	Requests    int            `json:"requests"`     // HTTP requests made, retries included
	NotModified int            `json:"not_modified"` // 304 answers
	Parsed      int            `json:"parsed"`       // article pages parsed
	Bytes       int64          `json:"bytes"`
	Items       int            `json:"items"`
	Attachments int            `json:"attachments"`
	Letters     int            `json:"letters"`
	Errors      map[string]int `json:"errors,omitempty"` // by kind: timeout, http-5xx, blocked …
	// Families counts items per page family (gongkai, hanweb, trs, generic).
	Families map[string]FamilyStats `json:"families,omitempty"`
	// Figures of other jobs, e.g. findings new/unchanged/resolved.
	Figures map[string]int `json:"figures,omitempty"`
	// Resume holds what an interrupted run needs to continue (opaque to the store).
	Resume []byte `json:"resume,omitempty"`
}

// FamilyStats are a crawl's figures for one page family.
type FamilyStats struct {
	Pages       int `json:"pages"`
	Items       int `json:"items"`
	Attachments int `json:"attachments"`
	Letters     int `json:"letters"`
}

// Page is the fetch state of one URL, kept for conditional GETs and evidence.
type Page struct {
	URL          string    `json:"url"`
	Status       int       `json:"status"` // HTTP status; 0 when no answer
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Hash         string    `json:"hash,omitempty"` // snapshot hash of the decoded body
	Charset      string    `json:"charset,omitempty"`
	Bytes        int       `json:"bytes"`
	FetchedAt    time.Time `json:"fetched_at"`
	// ErrKind classifies a failure: timeout, reset, http-4xx, http-5xx,
	// blocked (a 412/521 firewall challenge), truncated, too-large,
	// redirect-loop, not-html, robots, parse; empty on success.
	ErrKind string `json:"err_kind,omitempty"`
	Err     string `json:"err,omitempty"`
	RunID   uint64 `json:"run_id"`
}

// Attachment is a document linked from an article.
type Attachment struct {
	URL         string `json:"url"`
	Name        string `json:"name"` // link text or file name
	Type        string `json:"type"` // extension without the dot: pdf, docx …
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Length      int64  `json:"length"`
	// Checked is false when the attachment was not probed (then Status is 0
	// and nothing may be concluded from it).
	Checked bool `json:"checked"`
	// Broken explains why the attachment does not download: "HTTP 404",
	// "HTML error page", "empty body"; empty when it downloads.
	Broken string `json:"broken,omitempty"`
	Err    string `json:"err,omitempty"` // a fetch failure (timeout …): not audited
}

// Item is one document of a column, from its list entry and its article page.
type Item struct {
	URL      string `json:"url"`
	Unit     string `json:"unit"`
	Column   string `json:"column"` // column id
	Family   string `json:"family"`
	Title    string `json:"title"`
	ListDate string `json:"list_date,omitempty"` // the date shown in the list
	// From the article page.
	Published   string       `json:"published,omitempty"` // 发布日期
	Written     string       `json:"written,omitempty"`   // 成文日期 / 发文日期
	DocNo       string       `json:"doc_no,omitempty"`    // 文号; empty for 无文号
	IndexNo     string       `json:"index_no,omitempty"`  // 索引号
	Publisher   string       `json:"publisher,omitempty"` // 发布机构
	Validity    string       `json:"validity,omitempty"`  // 有效性
	Attachments []Attachment `json:"attachments,omitempty"`
	// NamedAttachments are the attachment names the body mentions (附件：…).
	NamedAttachments []string  `json:"named_attachments,omitempty"`
	BodyLen          int       `json:"body_len"`
	Links            []string  `json:"links,omitempty"` // other links on the page
	SnapshotHash     string    `json:"snapshot_hash,omitempty"`
	FetchedAt        time.Time `json:"fetched_at"`
	// FetchErr is set when the article page could not be loaded: the item is
	// known from its list but not audited.
	FetchErr string `json:"fetch_err,omitempty"`
	RunID    uint64 `json:"run_id"`
	// FirstSeen is when the crawler first saw the item.
	FirstSeen time.Time `json:"first_seen"`
}

// Letter is one mailbox letter.
type Letter struct {
	URL       string `json:"url"`
	Mailbox   string `json:"mailbox"` // mailbox id
	Unit      string `json:"unit"`    // owning unit of the mailbox
	No        string `json:"no,omitempty"`
	Title     string `json:"title"`
	Status    string `json:"status,omitempty"` // 已办结, 办理中 …
	Received  string `json:"received"`         // 来信时间
	Replied   string `json:"replied,omitempty"`
	ReplyUnit string `json:"reply_unit,omitempty"`
	// Answered: the letter's page shows a reply text (答复内容), whether or
	// not a reply date could be read beside it.
	Answered     bool      `json:"answered,omitempty"`
	Handler      string    `json:"handler,omitempty"` // 承办部门
	SnapshotHash string    `json:"snapshot_hash,omitempty"`
	FetchedAt    time.Time `json:"fetched_at"`
	FetchErr     string    `json:"fetch_err,omitempty"`
	RunID        uint64    `json:"run_id"`
}

// Source kinds.
const (
	SourceColumn  = "column"
	SourceMailbox = "mailbox"
	SourceCatalog = "catalog"
	SourceHome    = "home"
)

// SourceState is the outcome of crawling one column, mailbox or catalog in
// one run. Only a source with Audited true may yield findings.
type SourceState struct {
	Key     string `json:"key"`  // "column:<id>", "mailbox:<id>", "catalog:<unit>"
	Kind    string `json:"kind"` // column, mailbox, catalog, home
	ID      string `json:"id"`
	Unit    string `json:"unit"`
	URL     string `json:"url"`
	Audited bool   `json:"audited"`
	// Cause says why a source was not audited ("站点防火墙拦截 (HTTP 412)",
	// "HTTP 503 after 3 attempts", "timeout") or what was cut ("page cap 200 reached").
	Cause     string `json:"cause,omitempty"`
	ErrKind   string `json:"err_kind,omitempty"`
	ListPages int    `json:"list_pages"`
	Items     int    `json:"items"`
	Truncated bool   `json:"truncated,omitempty"` // a cap stopped the walk; items are partial
	// Partial is set when a list page after the first could not be read:
	// the items of the pages that were read are judged by the item
	// checks, the column checks do not judge this walk (Cause says which
	// page failed).
	Partial bool `json:"partial,omitempty"`
	// Suspect is set on an audited column whose list fell sharply since
	// its previous walk ("疑似异常（上次 8 条，本次 0 条）"): the column checks
	// do not judge it until the next walk lists the same again.
	Suspect string `json:"suspect,omitempty"`
	// PagesFailed counts the list pages that could not be read.
	PagesFailed int       `json:"pages_failed,omitempty"`
	Newest      string    `json:"newest,omitempty"` // newest item date
	RunID       uint64    `json:"run_id"`
	CrawledAt   time.Time `json:"crawled_at"`
}

// NotFound is the ErrKind of a column to discover that its unit's
// catalog does not list (栏目未找到).
const NotFound = "not-found"

// Judged reports whether the column checks may judge the walk that
// wrote s: it was audited, read every list page it named, and its list
// did not fall sharply since the previous walk.
func (s SourceState) Judged() bool {
	return s.Audited && !s.Partial && s.Suspect == ""
}

// Finding statuses.
const (
	StatusDraft     = "draft"
	StatusConfirmed = "confirmed"
	StatusDismissed = "dismissed"
	StatusResolved  = "resolved"
)

// Finding is a draft (or decided) deduction raised by a check.
type Finding struct {
	ID         string    `json:"id"` // FindingID(rule, subject)
	Rule       string    `json:"rule"`
	Subject    string    `json:"subject"` // item URL, or "column:<id>:2026Q3" …
	Unit       string    `json:"unit"`
	Column     string    `json:"column,omitempty"`
	URL        string    `json:"url,omitempty"`
	Title      string    `json:"title,omitempty"`
	Quarter    string    `json:"quarter"` // when the violation happened, e.g. 2026Q3
	Points     float64   `json:"points"`
	Status     string    `json:"status"`
	DetectedAt time.Time `json:"detected_at"`
	LastSeen   time.Time `json:"last_seen"`
	Evidence   Evidence  `json:"evidence"`
	// Scoring is false for findings of checks that do not count in scores
	// (e.g. stale-column by default).
	Scoring bool `json:"scoring"`
}

// Evidence is what an inspector shows a unit that disputes a finding.
type Evidence struct {
	Text         string            `json:"text"`            // in Chinese, with dates and counts
	Dates        map[string]string `json:"dates,omitempty"` // written, published, received, replied, due …
	WorkingDays  int               `json:"working_days,omitempty"`
	Skipped      []string          `json:"skipped,omitempty"` // holidays skipped, in words
	MakeUp       []string          `json:"make_up,omitempty"` // make-up working days counted
	SnapshotHash string            `json:"snapshot_hash,omitempty"`
	FetchedAt    time.Time         `json:"fetched_at,omitzero"`
}

// Event is one entry of the audit trail.
type Event struct {
	Seq     uint64    `json:"seq"`
	Subject string    `json:"subject"` // finding id or adjustment id
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Action  string    `json:"action"` // detected, confirm, dismiss, adjust, reopen, resolved, add, withdraw
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}
