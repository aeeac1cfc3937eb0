package config

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Marshal writes c as YAML that Parse reads back into the same
// configuration. Settings equal to their defaults are left out, and so are
// the columns that a template expands into; paths under the configuration
// file's directory are written relative to it.
func (c *Config) Marshal() ([]byte, error) {
	m := c.minimized()
	root := encodeValue(reflect.ValueOf(m).Elem(), reflect.ValueOf(Default()).Elem())
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return buf.Bytes(), nil
}

// minimized returns a copy of c without what the loader derives.
func (c *Config) minimized() *Config {
	m := *c
	dir := ""
	if c.Path != "" {
		dir = filepath.Dir(c.Path)
	}
	m.Store.Path = relPath(dir, c.Store.Path)
	m.Calendar.Overrides = nil
	for _, o := range c.Calendar.Overrides {
		m.Calendar.Overrides = append(m.Calendar.Overrides, relPath(dir, o))
	}
	if c.Rules.Catalog != "" {
		m.Rules.Catalog = relPath(dir, c.Rules.Catalog)
	}
	m.Rules.Wording.Files = nil
	for _, f := range c.Rules.Wording.Files {
		m.Rules.Wording.Files = append(m.Rules.Wording.Files, relPath(dir, f))
	}

	expanded, _ := c.expandedColumns()
	byID := make(map[string]Column, len(expanded))
	for _, col := range expanded {
		byID[col.ID] = col
	}
	m.Columns = nil
	for _, col := range c.Columns {
		if e, ok := byID[col.ID]; ok && reflect.DeepEqual(e, col) {
			continue
		}
		if col.ID == DefaultColumnID(col.Unit, col.Name) {
			col.ID = ""
		}
		if col.RequiresAttachment != nil && *col.RequiresAttachment == DefaultRequiresAttachment(col.Kind) {
			col.RequiresAttachment = nil
		}
		if col.DeadlineDays == DefaultDeadlineDays(col.Cadence) {
			col.DeadlineDays = 0
		}
		if col.Cadence == CadenceNone {
			col.Cadence = ""
		}
		m.Columns = append(m.Columns, col)
	}
	m.Mailboxes = nil
	for _, mb := range c.Mailboxes {
		if mb.ID == defaultMailboxID(mb.Unit, mb.Name) {
			mb.ID = ""
		}
		if mb.ReplyDays == c.Rules.MailboxReplyDays {
			mb.ReplyDays = 0
		}
		m.Mailboxes = append(m.Mailboxes, mb)
	}
	m.Inspectors = nil
	for _, in := range c.Inspectors {
		if in.Role == RoleInspector {
			in.Role = ""
		}
		m.Inspectors = append(m.Inspectors, in)
	}
	return &m
}

// relPath writes p relative to dir when it lies under dir.
func relPath(dir, p string) string {
	if dir == "" || p == "" {
		return p
	}
	if filepath.IsAbs(dir) != filepath.IsAbs(p) {
		return p
	}
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return rel
}

// encodeValue builds the YAML node of v; fields of structs equal to the
// same field of proto are left out.
func encodeValue(v, proto reflect.Value) *yaml.Node {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return encodeValue(v.Elem(), reflect.New(v.Type().Elem()).Elem())
	}
	switch {
	case v.Type() == durationType:
		return scalarNode(v.Interface().(fmt.Stringer).String(), "")
	case v.Kind() == reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			fv, pv := v.Field(i), proto.Field(i)
			if reflect.DeepEqual(fv.Interface(), pv.Interface()) || isEmpty(fv) && isEmpty(pv) {
				continue
			}
			n.Content = append(n.Content, scalarNode(name, "!!str"), encodeValue(fv, pv))
		}
		return n
	case v.Kind() == reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		zero := reflect.New(v.Type().Elem()).Elem()
		scalars := true
		for i := 0; i < v.Len(); i++ {
			e := encodeValue(v.Index(i), zero)
			scalars = scalars && e.Kind == yaml.ScalarNode
			n.Content = append(n.Content, e)
		}
		if scalars {
			n.Style = yaml.FlowStyle
		}
		return n
	case v.Kind() == reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		zero := reflect.New(v.Type().Elem()).Elem()
		for _, k := range keys {
			n.Content = append(n.Content, scalarNode(k.String(), "!!str"), encodeValue(v.MapIndex(k), zero))
		}
		return n
	case v.Kind() == reflect.String:
		return scalarNode(v.String(), "!!str")
	case v.Kind() == reflect.Bool:
		return scalarNode(strconv.FormatBool(v.Bool()), "!!bool")
	case v.CanInt():
		return scalarNode(strconv.FormatInt(v.Int(), 10), "!!int")
	case v.CanFloat():
		return scalarNode(strconv.FormatFloat(v.Float(), 'g', -1, 64), "")
	}
	return scalarNode(fmt.Sprint(v.Interface()), "!!str")
}

// isEmpty reports whether v is a nil or empty slice or map.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return false
}

func scalarNode(value, tag string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}
