package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Error is one problem of a configuration file, located by line and by the
// dotted path of the offending key (e.g. columns[3].kind).
type Error struct {
	File  string
	Line  int // 1-based; 0 when unknown (e.g. a config built in code)
	Field string
	Msg   string
}

// Error formats the problem as file:line: field: message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is several problems of one configuration file, in line order.
// errors.As finds each *Error in it.
type ErrorList []*Error

// Error lists the problems, one a line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the problems for errors.As and errors.Is.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// maxErrors caps how many problems one load reports.
const maxErrors = 20

// problems collects the errors of one load or validation.
type problems struct {
	file  string
	lines map[string]int // dotted path -> line of its key or element
	list  ErrorList
}

// add records a problem at path; the line is that of path or of its
// nearest ancestor that appears in the file.
func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, &Error{File: p.file, Line: p.line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line of path or of its nearest known ancestor.
func (p *problems) line(path string) int {
	for path != "" {
		if l, ok := p.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// err returns nil, the single *Error, or an ErrorList sorted by line.
func (p *problems) err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return p.list[0]
	}
	l := append(ErrorList(nil), p.list...)
	sort.SliceStable(l, func(i, j int) bool { return l[i].Line < l[j].Line })
	if len(l) > maxErrors {
		l = l[:maxErrors]
	}
	return l
}

// Load reads and validates the configuration file at path. Relative paths
// in it (store.path, calendar.overrides) are taken relative to the file's
// directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path)
}

// Parse reads a configuration from data; name is the file it came from,
// used in errors and to resolve relative paths. Unknown keys are refused;
// defaults are applied, the configuration is validated, and templates with
// a path are expanded into columns.
func Parse(data []byte, name string) (*Config, error) {
	p := &problems{file: name, lines: map[string]int{}}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: name, Line: extra.Line, Msg: "more than one YAML document (remove the second '---')"}
	}

	c := Default()
	if len(doc.Content) > 0 {
		d := &decoder{p: p}
		d.decode(doc.Content[0], reflect.ValueOf(c).Elem(), "")
		if err := p.err(); err != nil {
			return nil, err
		}
	}
	nilEmpty(reflect.ValueOf(c).Elem())
	c.Path = name
	c.resolvePaths(filepath.Dir(name))
	c.applyDerived()
	c.validate(p)
	if err := p.err(); err != nil {
		return nil, err
	}
	c.expandTemplates(p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// resolvePaths makes relative file paths relative to dir.
func (c *Config) resolvePaths(dir string) {
	if c.Store.Path != "" && !filepath.IsAbs(c.Store.Path) {
		c.Store.Path = filepath.Join(dir, c.Store.Path)
	}
	for i, f := range c.Rules.Wording.Files {
		if f != "" && !filepath.IsAbs(f) {
			c.Rules.Wording.Files[i] = filepath.Join(dir, f)
		}
	}
	if c.Rules.Catalog != "" && !filepath.IsAbs(c.Rules.Catalog) {
		c.Rules.Catalog = filepath.Join(dir, c.Rules.Catalog)
	}
	for i, o := range c.Calendar.Overrides {
		if o != "" && !filepath.IsAbs(o) {
			c.Calendar.Overrides[i] = filepath.Join(dir, o)
		}
	}
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into an *Error with its line.
func yamlError(name string, err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		text := "YAML syntax: " + m[2]
		if strings.HasPrefix(m[2], "did not find expected") {
			text += " (in the block that starts here: check the indentation of the lines below)"
		}
		return &Error{File: name, Line: line, Msg: text}
	}
	return &Error{File: name, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

// maxNodes bounds the work of decoding one document (aliases can make a
// small file expand enormously).
const maxNodes = 1_000_000

// decoder walks a YAML node tree into a Go value by its yaml tags,
// refusing unknown keys and recording the line of every path.
type decoder struct {
	p      *problems
	nodes  int
	active map[*yaml.Node]bool // aliases being expanded, to catch cycles
	halted bool
	// aliasLine is the line of the outermost alias being expanded: what
	// comes from an anchor is reported where it is used.
	aliasLine int
}

// line returns the line to report for n.
func (d *decoder) line(n *yaml.Node) int {
	if d.aliasLine != 0 {
		return d.aliasLine
	}
	return n.Line
}

var durationType = reflect.TypeOf(time.Duration(0))

// decode stores n into v (settable), reporting problems under path.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if d.halted {
		return
	}
	d.nodes++
	if d.nodes > maxNodes || len(d.p.list) >= maxErrors {
		if d.nodes > maxNodes {
			d.p.add(path, "document too large or too deeply aliased")
		}
		d.halted = true
		return
	}
	if n.Kind == yaml.AliasNode {
		if d.active == nil {
			d.active = map[*yaml.Node]bool{}
		}
		if n.Alias == nil || d.active[n.Alias] {
			d.p.add(path, "alias *%s refers to itself", n.Value)
			return
		}
		d.active[n.Alias] = true
		outer := d.aliasLine == 0
		if outer {
			d.aliasLine = n.Line
		}
		d.decode(n.Alias, v, path)
		if outer {
			d.aliasLine = 0
		}
		delete(d.active, n.Alias)
		return
	}
	if isNull(n) {
		return // keep the default
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	}
	switch {
	case v.Type() == durationType:
		if !d.scalar(n, path, "a duration such as \"15s\"") {
			return
		}
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			if n.Value == "0" {
				dur = 0
			} else {
				d.p.add(path, "%q is not a duration (write e.g. \"15s\", \"2m\", \"1h30m\")", n.Value)
				return
			}
		}
		if dur < 0 {
			d.p.add(path, "%q: a duration cannot be negative", n.Value)
			return
		}
		v.SetInt(int64(dur))
	case v.Kind() == reflect.Struct:
		d.structure(n, v, path)
	case v.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.p.add(path, "expected a list (lines starting with \"- \"), got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, e := range n.Content {
			ep := fmt.Sprintf("%s[%d]", path, i)
			d.p.lines[ep] = d.line(e)
			d.decode(e, s.Index(i), ep)
		}
		v.Set(s)
	case v.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.p.add(path, "expected a mapping (key: value lines), got %s", describe(n))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			kp := joinPath(path, k.Value)
			d.p.lines[kp] = d.line(k)
			if seen[k.Value] {
				d.p.add(kp, "key %q appears twice", k.Value)
				continue
			}
			seen[k.Value] = true
			e := reflect.New(v.Type().Elem()).Elem()
			if old := v.MapIndex(reflect.ValueOf(k.Value)); old.IsValid() {
				e.Set(old)
			}
			d.decode(val, e, kp)
			v.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
	case v.Kind() == reflect.String:
		if !d.scalar(n, path, "a text value") {
			return
		}
		v.SetString(n.Value)
	case v.Kind() == reflect.Bool:
		var b bool
		if d.scalarAs(n, path, "true or false", &b) {
			v.SetBool(b)
		}
	case v.CanInt():
		var i int64
		if !d.scalarAs(n, path, "a whole number", &i) {
			return
		}
		if v.OverflowInt(i) {
			d.p.add(path, "%q is not a whole number", n.Value)
			return
		}
		v.SetInt(i)
	case v.CanFloat():
		var f float64
		if d.scalarAs(n, path, "a number", &f) {
			v.SetFloat(f)
		}
	default:
		d.p.add(path, "cannot hold a value of type %s", v.Type())
	}
}

// scalar reports whether n is a scalar, recording a problem if not.
func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind == yaml.ScalarNode {
		return true
	}
	d.p.add(path, "expected %s, got %s", want, describe(n))
	return false
}

// scalarAs decodes the scalar n into out and reports whether it did,
// recording a problem phrased with want if n is not a scalar or does
// not decode.
func (d *decoder) scalarAs(n *yaml.Node, path, want string, out any) bool {
	if !d.scalar(n, path, want) {
		return false
	}
	if err := n.Decode(out); err != nil {
		d.p.add(path, "%q is not %s", n.Value, want)
		return false
	}
	return true
}

// structure decodes a mapping into the struct v by the fields' yaml tags.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.p.add(path, "expected a mapping (key: value lines), got %s", describe(n))
		return
	}
	fields := yamlFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag == "!!merge" {
			d.merge(val, v, path)
			continue
		}
		kp := joinPath(path, k.Value)
		d.p.lines[kp] = d.line(k)
		if seen[k.Value] {
			d.p.add(kp, "key %q appears twice", k.Value)
			continue
		}
		seen[k.Value] = true
		idx, ok := fields[k.Value]
		if !ok {
			d.unknown(kp, k.Value, fields)
			continue
		}
		d.decode(val, v.Field(idx), kp)
	}
}

// merge applies a YAML merge key (<<: *anchor or a list of them).
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string) {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, e := range n.Content {
			d.merge(e, v, path)
		}
	default:
		d.decode(n, v, path)
	}
}

// unknown reports a key that the configuration does not have.
func (d *decoder) unknown(path, key string, fields map[string]int) {
	if key == "password" || strings.HasSuffix(key, "_password") || key == "passwd" || key == "pass" {
		d.p.add(path, "passwords do not belong in the configuration file: put it in an environment variable and name that variable in mail.password_env")
		return
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	d.p.add(path, "unknown key %q (known here: %s)", key, strings.Join(names, ", "))
}

// nilEmpty replaces the empty slices and maps within v by nil, so that
// "columns: []" and no columns at all load alike.
func nilEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			nilEmpty(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				nilEmpty(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		for i := 0; i < v.Len(); i++ {
			nilEmpty(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 {
			v.SetZero()
		}
	}
}

// yamlFields maps the yaml names of t's fields to their indexes.
func yamlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		m[tag] = i
	}
	return m
}

// joinPath appends key to a dotted path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// isNull reports whether n is an explicit or empty null.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of a node for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "something else"
}
