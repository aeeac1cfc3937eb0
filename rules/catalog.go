package rules

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// CatalogItem is one row of the 主动公开基本目录: an item a unit must
// publish, the column it belongs in, and how often.
type CatalogItem struct {
	Unit    string   `yaml:"unit"`    // unit id or name
	Item    string   `yaml:"item"`    // 事项名称
	Columns []string `yaml:"columns"` // names of the column that holds it (any one)
	// Cadence is monthly, quarterly, yearly or event (event-driven, 按需).
	Cadence string `yaml:"cadence"`
	// LimitDays is the grace, in calendar days after a period's end, for
	// the period's post (default by cadence: 15, 20, 31).
	LimitDays int `yaml:"limit_days"`
	line      int // in the file, for errors
}

// Catalog cadences beyond the column cadences.
const cadenceEvent = "event"

// catalogHeaders maps the accepted CSV header names to fields.
var catalogHeaders = map[string]string{
	"unit": "unit", "单位": "unit", "公开主体": "unit",
	"item": "item", "事项": "item", "事项名称": "item", "公开事项": "item",
	"column": "column", "columns": "column", "栏目": "column", "公开栏目": "column",
	"cadence": "cadence", "周期": "cadence", "更新周期": "cadence",
	"limit_days": "limit", "时限": "limit", "公开时限": "limit",
}

// LoadCatalog reads a catalog file: CSV (with a header row naming the
// fields unit/单位, item/事项, column/栏目 — several names separated by
// "|" —, cadence/周期, limit_days/时限) or YAML (a list under "items:" of
// unit, item, columns, cadence, limit_days). Cadences: monthly/每月,
// quarterly/每季度, yearly/每年, event/按需 (the default).
func LoadCatalog(path string) ([]CatalogItem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules.catalog: %w", err)
	}
	var items []CatalogItem
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		var doc struct {
			Items []CatalogItem `yaml:"items"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&doc); err != nil && err != io.EOF {
			return nil, fmt.Errorf("rules.catalog %s: %w", path, err)
		}
		items = doc.Items
		for i := range items {
			items[i].line = i + 1
		}
	default:
		if items, err = parseCatalogCSV(data); err != nil {
			return nil, fmt.Errorf("rules.catalog %s: %w", path, err)
		}
	}
	seen := map[string]int{}
	for i := range items {
		c := &items[i]
		c.Unit, c.Item = strings.TrimSpace(c.Unit), strings.TrimSpace(c.Item)
		if c.Unit == "" || c.Item == "" || len(c.Columns) == 0 {
			return nil, fmt.Errorf("rules.catalog %s: row %d: unit, item and column are required", path, c.line)
		}
		cad, ok := catalogCadence(c.Cadence)
		if !ok {
			return nil, fmt.Errorf("rules.catalog %s: row %d: cadence %q (monthly, quarterly, yearly, event)", path, c.line, c.Cadence)
		}
		c.Cadence = cad
		if c.LimitDays < 0 {
			return nil, fmt.Errorf("rules.catalog %s: row %d: limit_days cannot be negative", path, c.line)
		}
		if c.LimitDays == 0 {
			c.LimitDays = config.DefaultDeadlineDays(cad)
		}
		k := c.Unit + "\x00" + c.Item
		if prev, dup := seen[k]; dup {
			return nil, fmt.Errorf("rules.catalog %s: row %d repeats row %d (%s %s)", path, c.line, prev, c.Unit, c.Item)
		}
		seen[k] = c.line
	}
	return items, nil
}

// parseCatalogCSV reads the CSV form (UTF-8, an optional BOM).
func parseCatalogCSV(data []byte) ([]CatalogItem, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	idx := map[string]int{}
	for i, h := range rows[0] {
		if f, ok := catalogHeaders[strings.ToLower(strings.TrimSpace(h))]; ok {
			idx[f] = i
		}
	}
	for _, f := range []string{"unit", "item", "column"} {
		if _, ok := idx[f]; !ok {
			return nil, fmt.Errorf("header row: no %s column (unit/单位, item/事项, column/栏目)", f)
		}
	}
	get := func(row []string, f string) string {
		if i, ok := idx[f]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	var out []CatalogItem
	for n, row := range rows[1:] {
		if len(strings.Join(row, "")) == 0 || strings.HasPrefix(strings.TrimSpace(row[0]), "#") {
			continue
		}
		c := CatalogItem{Unit: get(row, "unit"), Item: get(row, "item"), Cadence: get(row, "cadence"), line: n + 2}
		for _, name := range strings.Split(get(row, "column"), "|") {
			if name = strings.TrimSpace(name); name != "" {
				c.Columns = append(c.Columns, name)
			}
		}
		if l := get(row, "limit"); l != "" {
			v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(l, "天"), "日"))
			if err != nil {
				return nil, fmt.Errorf("row %d: limit_days %q is not a number of days", n+2, l)
			}
			c.LimitDays = v
		}
		out = append(out, c)
	}
	return out, nil
}

// catalogCadence normalises a cadence; empty is event.
func catalogCadence(s string) (string, bool) {
	switch strings.TrimSpace(s) {
	case config.CadenceMonthly, "每月", "月度", "按月":
		return config.CadenceMonthly, true
	case config.CadenceQuarterly, "每季度", "季度", "按季度":
		return config.CadenceQuarterly, true
	case config.CadenceYearly, "每年", "年度", "按年":
		return config.CadenceYearly, true
	case cadenceEvent, "", "none", "按需", "常态", "实时", "动态":
		return cadenceEvent, true
	}
	return "", false
}

// catalogPeriodDays is the length, in days, of a cadence's period.
func catalogPeriodDays(cadence string) int {
	switch cadence {
	case config.CadenceMonthly:
		return 31
	case config.CadenceQuarterly:
		return 92
	case config.CadenceYearly:
		return 366
	}
	return 0
}

// checkCatalog: each item of the catalog (rules.catalog) for a unit of
// the configuration is looked for among the unit's configured columns by
// name. Findings (subject "<unit id>:<item>"): no column of that name
// (未设栏目); the column(s) hold no item at all (栏目空白); for a monthly,
// quarterly or yearly item, the newest post is more than the period's
// length (31, 92, 366 days) plus limit_days old as of asOf. Event-driven
// items only need the column and a post. A column of a unit the catalog
// names that no catalog row of that unit assigns is listed in the
// summary's notes for the office (no finding).
func checkCatalog(e *env, _ Def) outcome {
	var o outcome
	if e.cfg.Rules.Catalog == "" {
		return o
	}
	items, err := LoadCatalog(e.cfg.Rules.Catalog)
	if err != nil {
		e.err = err
		return o
	}
	unitID := map[string]string{}
	for _, u := range e.cfg.Units {
		unitID[u.ID], unitID[u.Name] = u.ID, u.ID
	}
	byUnit := map[string][]config.Column{}
	for _, c := range e.columns {
		byUnit[c.Unit] = append(byUnit[c.Unit], c)
	}
	assigned := map[string]bool{} // unit id \x00 column name
	named := map[string]bool{}    // units the catalog names
	for _, ci := range items {
		uid, ok := unitID[ci.Unit]
		if !ok {
			o.notes = append(o.notes, fmt.Sprintf("目录中的单位「%s」不在配置的单位名单中（事项「%s」未核查）", ci.Unit, ci.Item))
			continue
		}
		named[uid] = true
		for _, n := range ci.Columns {
			assigned[uid+"\x00"+n] = true
		}
		var cols []config.Column
		for _, c := range byUnit[uid] {
			if slices.Contains(ci.Columns, c.Name) {
				cols = append(cols, c)
			}
		}
		subject := uid + ":" + ci.Item
		if len(cols) == 0 {
			o.examined++
			text := fmt.Sprintf("主动公开基本目录事项「%s」应在「%s」栏目公开，该单位未设此栏目", ci.Item, strings.Join(ci.Columns, "或"))
			o.findings = append(o.findings, columnFinding(uid, "", ci.Item, "", subject, Quarter(e.asOf), e.catalogEvidence(text)))
			continue
		}
		var newest *item
		audited := false
		stored := 0
		var col config.Column
		var st store.SourceState
		for _, c := range cols {
			s, ok := e.columnJudged(c.ID)
			if !ok {
				continue
			}
			if !audited {
				col, st = c, s
			}
			audited = true
			stored += s.Items
			sum := e.summary(c.ID)
			stored += sum.n
			if x := sum.newest; x != nil && (newest == nil || x.pub.After(newest.pub)) {
				newest = x
			}
		}
		if !audited {
			o.notAudited++
			o.unaudited = append(o.unaudited, subject)
			continue
		}
		o.examined++
		var text string
		switch {
		case stored == 0:
			text = fmt.Sprintf("主动公开基本目录事项「%s」所在栏目「%s」没有任何信息", ci.Item, col.Name)
		case ci.Cadence == cadenceEvent:
			continue
		case newest == nil:
			o.undatable++
			continue
		default:
			age := days(newest.pub, e.asOf)
			limit := catalogPeriodDays(ci.Cadence) + ci.LimitDays
			if age <= limit {
				continue
			}
			text = fmt.Sprintf("主动公开基本目录事项「%s」（%s更新）最近一次发布为 %s，已 %d 天未更新（超过 %d 天）",
				ci.Item, cadenceName(ci.Cadence), newest.pub.Format(dateLayout), age, limit)
		}
		o.findings = append(o.findings, columnFinding(uid, col.ID, ci.Item, colURL(col, st), subject, Quarter(e.asOf), e.sourceEvidence(st, text)))
	}
	for _, c := range e.columns {
		if named[c.Unit] && !assigned[c.Unit+"\x00"+c.Name] {
			o.notes = append(o.notes, fmt.Sprintf("%s「%s」栏目未列入主动公开基本目录", e.unitName(c.Unit), c.Name))
		}
	}
	return o
}

// catalogEvidence is the evidence of a finding without a column.
func (e *env) catalogEvidence(text string) store.Evidence {
	return store.Evidence{Text: text, Dates: map[string]string{"as_of": e.asOf.Format(dateLayout)}}
}

// cadenceName is a cadence in Chinese.
func cadenceName(c string) string {
	switch c {
	case config.CadenceMonthly:
		return "按月"
	case config.CadenceQuarterly:
		return "按季度"
	case config.CadenceYearly:
		return "按年"
	}
	return "按需"
}
