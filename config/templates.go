package config

import (
	"fmt"
	"net/url"
)

// TemplateUnits returns the units a template applies to: the listed ones,
// or every unit with a catalog URL when none are listed.
func (c *Config) TemplateUnits(t Template) []Unit {
	var out []Unit
	if len(t.Units) == 0 {
		for _, u := range c.Units {
			if u.Catalog != "" {
				out = append(out, u)
			}
		}
		return out
	}
	for _, id := range t.Units {
		if u, ok := c.Unit(id); ok {
			out = append(out, u)
		}
	}
	return out
}

// TemplateColumn returns the column a template gives unit u, with the URL
// left empty and Discover set when the template has no path (the crawler
// finds the channel on the catalog page by t.Name or t.Match). Defaults
// are applied.
func TemplateColumn(t Template, u Unit) Column {
	col := Column{
		Unit:               u.ID,
		Name:               t.Name,
		Kind:               t.Kind,
		Key:                t.Key,
		Cadence:            t.Cadence,
		DeadlineDays:       t.DeadlineDays,
		RequiresAttachment: t.RequiresAttachment,
		Normative:          t.Normative,
	}
	if col.RequiresAttachment != nil {
		b := *col.RequiresAttachment
		col.RequiresAttachment = &b
	}
	switch {
	case t.Path != "" && u.Catalog != "":
		col.URL = joinURL(u.Catalog, t.Path)
	case t.Path == "":
		col.Discover = true
		col.Match = append([]string{t.Name}, t.Match...)
	}
	applyColumnDefaults(&col)
	return col
}

// joinURL resolves path against the catalog URL base.
func joinURL(base, path string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ""
	}
	r, err := url.Parse(path)
	if err != nil {
		return ""
	}
	return b.ResolveReference(r).String()
}

// expandedColumns returns the columns of the templates, in template then
// unit order, with the index of their template. A template with a path
// gives every unit a column with a URL; one with only a name gives a
// column to discover on the unit's catalog page (Column.Discover).
func (c *Config) expandedColumns() (cols []Column, from []int) {
	for i, t := range c.Templates {
		for _, u := range c.TemplateUnits(t) {
			cols = append(cols, TemplateColumn(t, u))
			from = append(from, i)
		}
	}
	return cols, from
}

// expandTemplates appends the columns of the templates, with a path or
// to be discovered by name, so that every check, report and filter sees
// them exactly like the columns listed one by one. An explicit column
// with the same id wins over the template's; two templates giving the
// same id are an error.
func (c *Config) expandTemplates(p *problems) {
	cols, from := c.expandedColumns()
	explicit := make(map[string]bool, len(c.Columns))
	for _, col := range c.Columns {
		explicit[col.ID] = true
	}
	byTemplate := map[string]int{}
	for k, col := range cols {
		if explicit[col.ID] {
			continue
		}
		if j, dup := byTemplate[col.ID]; dup {
			p.add(fmt.Sprintf("templates[%d]", from[k]), "gives unit %s a column %q that templates[%d] gives it too", col.Unit, col.ID, j)
			continue
		}
		byTemplate[col.ID] = from[k]
		c.Columns = append(c.Columns, col)
	}
}

// AllColumns returns the configured columns and those the templates give
// each unit, once each by id, explicit columns first. A loaded
// configuration has its templates expanded already (Parse); this also
// serves configurations built in code.
func (c *Config) AllColumns() []Column {
	out := append([]Column(nil), c.Columns...)
	have := make(map[string]bool, len(c.Columns))
	for _, col := range c.Columns {
		id := col.ID
		if id == "" {
			id = DefaultColumnID(col.Unit, col.Name)
		}
		have[id] = true
	}
	cols, _ := c.expandedColumns()
	for _, col := range cols {
		if !have[col.ID] {
			have[col.ID] = true
			out = append(out, col)
		}
	}
	return out
}

// Unit returns the unit with the given id.
func (c *Config) Unit(id string) (Unit, bool) {
	for _, u := range c.Units {
		if u.ID == id {
			return u, true
		}
	}
	return Unit{}, false
}

// Column returns the column with the given id.
func (c *Config) Column(id string) (Column, bool) {
	for _, col := range c.AllColumns() {
		if col.ID == id {
			return col, true
		}
	}
	return Column{}, false
}

// Mailbox returns the mailbox with the given id.
func (c *Config) Mailbox(id string) (Mailbox, bool) {
	for _, m := range c.Mailboxes {
		if m.ID == id {
			return m, true
		}
	}
	return Mailbox{}, false
}

// ColumnProfile returns the CMS profile that applies to col: its own, else
// its unit's, else the site's.
func (c *Config) ColumnProfile(col Column) string {
	return c.profile(col.Profile, col.Unit)
}

// MailboxProfile returns the CMS profile that applies to m.
func (c *Config) MailboxProfile(m Mailbox) string {
	return c.profile(m.Profile, m.Unit)
}

// UnitProfile returns the CMS profile of the unit with the given id.
func (c *Config) UnitProfile(id string) string {
	return c.profile("", id)
}

func (c *Config) profile(own, unit string) string {
	if own != "" {
		return own
	}
	if u, ok := c.Unit(unit); ok && u.Profile != "" {
		return u.Profile
	}
	if c.Site.Profile != "" {
		return c.Site.Profile
	}
	return ProfileGongkai
}

// NeedsAttachment reports whether items of col must link attachments:
// requires_attachment when set, else by kind.
func (col Column) NeedsAttachment() bool {
	if col.RequiresAttachment != nil {
		return *col.RequiresAttachment
	}
	return DefaultRequiresAttachment(col.Kind)
}
