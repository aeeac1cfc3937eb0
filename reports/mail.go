package reports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
	"github.com/wneessen/go-mail"
)

// TLS modes of config.Mail.TLS.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
)

// SMTP is how digests are sent.
type SMTP struct {
	Host     string
	Port     int
	TLS      string // none, starttls (default) or implicit
	User     string
	Password string
	From     string
	FromName string
	Timeout  time.Duration
}

// SMTPFromConfig returns the SMTP settings of the configuration, with the
// password read through getenv from the variable named by
// mail.password_env (never from the file).
func SMTPFromConfig(m config.Mail, getenv func(string) string) (SMTP, error) {
	s := SMTP{Host: strings.TrimSpace(m.Host), Port: m.Port, TLS: strings.ToLower(strings.TrimSpace(m.TLS)),
		User: m.User, From: strings.TrimSpace(m.From), FromName: m.FromName, Timeout: 30 * time.Second}
	if s.Host == "" {
		return s, fmt.Errorf("mail.host is empty")
	}
	if s.From == "" {
		return s, fmt.Errorf("mail.from is empty")
	}
	switch s.TLS {
	case "":
		s.TLS = TLSStartTLS
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return s, fmt.Errorf("mail.tls %q: want none, starttls or implicit", m.TLS)
	}
	if s.Port == 0 {
		s.Port = map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[s.TLS]
	}
	if s.Port < 0 || s.Port > 65535 {
		return s, fmt.Errorf("mail.port %d out of range", s.Port)
	}
	if s.User != "" {
		if m.PasswordEnv == "" {
			return s, fmt.Errorf("mail.user is set but mail.password_env (the variable holding the password) is not")
		}
		s.Password = getenv(m.PasswordEnv)
		if s.Password == "" {
			return s, fmt.Errorf("mail.password_env: environment variable %s is empty", m.PasswordEnv)
		}
	}
	return s, nil
}

// client returns a go-mail client for the settings.
func (s SMTP) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(s.Port), mail.WithTimeout(s.Timeout)}
	switch s.TLS {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.User != "" {
		auth := mail.SMTPAuthAutoDiscover
		if s.TLS == TLSNone {
			// The operator chose an unencrypted connection (a relay on
			// the local network): allow PLAIN over it.
			auth = mail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(s.User), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client for %s:%d: %w", s.Host, s.Port, err)
	}
	return c, nil
}

// NewMsg builds the MIME message of a digest email: a plain-text part and
// an HTML alternative, with the Chinese subject and names encoded by
// go-mail (RFC 2047).
func NewMsg(from, fromName string, m Message, now time.Time) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingB64))
	var err error
	if fromName != "" {
		err = msg.FromFormat(oneLine(fromName), from)
	} else {
		err = msg.From(from)
	}
	if err != nil {
		return nil, fmt.Errorf("digest sender %q: %w", from, err)
	}
	if err := msg.AddToFormat(oneLine(m.ToName), m.To); err != nil {
		return nil, fmt.Errorf("digest recipient %q: %w", m.To, err)
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDateWithValue(now)
	msg.SetMessageID()
	msg.SetGenHeader(mail.HeaderXMailer, "govaudit")
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	return msg, nil
}

// DigestLog records which digests were sent; *store.Store implements it.
type DigestLog interface {
	DigestSent(week, recipient, unit string) (store.DigestRecord, bool, error)
	RecordDigest(r store.DigestRecord) error
}

// SendResult says what a digest run did.
type SendResult struct {
	Sent    []Message
	Skipped []Message // already sent for this week
	Failed  []SendFailure
}

// SendFailure is an email that could not be sent; the next run retries it.
type SendFailure struct {
	Message Message
	Err     error
}

// Err returns an error naming every failed recipient, or nil.
func (r SendResult) Err() error {
	if len(r.Failed) == 0 {
		return nil
	}
	var parts []string
	for _, f := range r.Failed {
		parts = append(parts, fmt.Sprintf("%s (%s): %v", f.Message.To, f.Message.ToName, f.Err))
	}
	return fmt.Errorf("%d of %d digest emails not sent (they are retried on the next run): %s",
		len(r.Failed), len(r.Failed)+len(r.Sent)+len(r.Skipped), strings.Join(parts, "; "))
}

// Send sends every message not yet recorded as sent for week, and records
// each one the server accepts. A failed message is reported in the result
// and not recorded, so the next run tries it again. Only a failure of the
// log itself is returned as an error.
func Send(ctx context.Context, s SMTP, log DigestLog, week Week, msgs []Message, now func() time.Time) (SendResult, error) {
	var res SendResult
	c, err := s.client()
	if err != nil {
		return res, err
	}
	w := week.String()
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			res.Failed = append(res.Failed, SendFailure{m, err})
			continue
		}
		if _, sent, err := log.DigestSent(w, m.To, m.Unit); err != nil {
			return res, err
		} else if sent {
			res.Skipped = append(res.Skipped, m)
			continue
		}
		at := now()
		msg, err := NewMsg(s.From, s.FromName, m, at)
		if err != nil {
			res.Failed = append(res.Failed, SendFailure{m, err})
			continue
		}
		if err := c.DialAndSendWithContext(ctx, msg); err != nil {
			res.Failed = append(res.Failed, SendFailure{m, fmt.Errorf("send to %s via %s:%d: %w", m.To, s.Host, s.Port, err)})
			continue
		}
		rec := store.DigestRecord{Week: w, Recipient: m.To, Unit: m.Unit, Subject: m.Subject, Items: m.Items,
			MessageID: strings.Trim(first(msg.GetGenHeader(mail.HeaderMessageID)), "<>"), SentAt: at}
		if err := log.RecordDigest(rec); err != nil {
			return res, fmt.Errorf("digest to %s was sent but not recorded: %w", m.To, err)
		}
		res.Sent = append(res.Sent, m)
	}
	return res, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// WriteEML writes each message as an .eml file into dir (created if
// needed) instead of sending it, and returns the paths. Nothing is recorded.
func WriteEML(dir string, from, fromName string, week Week, msgs []Message, now time.Time) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create dry-run directory: %w", err)
	}
	var paths []string
	var errs []error
	for _, m := range msgs {
		msg, err := NewMsg(from, fromName, m, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		name := "summary"
		if m.Unit != "" {
			name = fileSafe(m.Unit)
		}
		path := filepath.Join(dir, week.String()+"-"+name+".eml")
		if err := writeFileAtomic(path, func(w io.Writer) error { _, err := msg.WriteTo(w); return err }); err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, path)
	}
	return paths, errors.Join(errs...)
}

// fileSafe keeps letters, digits, '-' and '_' of s.
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
	if s == "" {
		s = "_"
	}
	return s
}
