package extract

import "strings"

// Bounds of the script evaluation: a hostile page cannot make it build
// large strings or many variables.
const (
	maxScriptVars  = 256
	maxScriptValue = 64 << 10
	maxScriptOut   = 256 << 10
	maxScriptSteps = 1 << 20
)

// scriptWrites returns what inline scripts write with document.write and
// document.writeln, as TRS article templates write attachment links:
//
//	var fileName = "P020250304512345.pdf";
//	var fileDesc = '关于….pdf';
//	document.write('<a href="./' + fileName + '">' + fileDesc + '</a>');
//
// It evaluates only string concatenation: string literals, numbers and
// variables assigned earlier (var, let, const, =, +=), in the order of
// the source. Anything else (a function call, a condition) counts as an
// empty string, and the statements it guards are read as if they ran.
func scriptWrites(src string) string {
	e := jsEval{src: src, vars: map[string]string{}}
	e.run()
	return e.out.String()
}

// jsEval is the state of one scriptWrites evaluation.
type jsEval struct {
	src   string
	i     int
	steps int
	vars  map[string]string
	out   strings.Builder
}

func (e *jsEval) run() {
	for e.i < len(e.src) && e.steps < maxScriptSteps {
		e.steps++
		c := e.src[e.i]
		switch {
		case c == '/' && e.i+1 < len(e.src) && (e.src[e.i+1] == '/' || e.src[e.i+1] == '*'):
			e.skipComment()
		case c == '"' || c == '\'' || c == '`':
			e.readString()
		case isIdentByte(c) && !(c >= '0' && c <= '9'):
			e.statement()
		default:
			e.i++
		}
	}
}

// statement reads an identifier and acts on what follows it.
func (e *jsEval) statement() {
	name := e.ident()
	switch name {
	case "var", "let", "const":
		e.space()
		target := e.ident()
		if target == "" {
			return
		}
		e.assign(target)
	case "document.write", "document.writeln":
		e.space()
		if e.peek() != '(' {
			return
		}
		e.i++
		v := e.expr(0)
		if e.out.Len()+len(v) <= maxScriptOut {
			e.out.WriteString(v)
		}
	default:
		e.assign(name)
	}
}

// assign reads "= expr" or "+= expr" after a variable name, if present.
func (e *jsEval) assign(name string) {
	e.space()
	switch {
	case strings.HasPrefix(e.src[e.i:], "+="):
		e.i += 2
		e.set(name, e.vars[name]+e.expr(0))
	case strings.HasPrefix(e.src[e.i:], "=") && !strings.HasPrefix(e.src[e.i:], "=="):
		e.i++
		e.set(name, e.expr(0))
	}
}

func (e *jsEval) set(name, v string) {
	if len(v) > maxScriptValue {
		v = v[:maxScriptValue]
	}
	if _, ok := e.vars[name]; !ok && len(e.vars) >= maxScriptVars {
		return
	}
	e.vars[name] = v
}

// expr reads operand ('+' operand)* and returns the concatenation.
func (e *jsEval) expr(depth int) string {
	var b strings.Builder
	for e.steps < maxScriptSteps {
		e.steps++
		e.space()
		v, ok := e.operand(depth)
		if !ok {
			break
		}
		if b.Len()+len(v) <= maxScriptValue {
			b.WriteString(v)
		}
		e.space()
		if e.peek() != '+' || strings.HasPrefix(e.src[e.i:], "+=") || strings.HasPrefix(e.src[e.i:], "++") {
			break
		}
		e.i++
	}
	return b.String()
}

// operand reads a string literal, a number, a variable or a
// parenthesised expression; ok is false when none stands at e.i.
func (e *jsEval) operand(depth int) (string, bool) {
	if e.i >= len(e.src) {
		return "", false
	}
	c := e.src[e.i]
	switch {
	case c == '"' || c == '\'' || c == '`':
		return e.readString(), true
	case c >= '0' && c <= '9':
		j := e.i
		for j < len(e.src) && (e.src[j] >= '0' && e.src[j] <= '9' || e.src[j] == '.') {
			j++
		}
		v := e.src[e.i:j]
		e.i = j
		return v, true
	case c == '(':
		if depth > 16 {
			return "", false
		}
		e.i++
		v := e.expr(depth + 1)
		e.space()
		if e.peek() == ')' {
			e.i++
		}
		return v, true
	case isIdentByte(c):
		name := e.ident()
		e.space()
		if e.peek() == '(' {
			return "", false // a call: not evaluated
		}
		return e.vars[name], true
	}
	return "", false
}

// ident reads an identifier, dots included (document.write).
func (e *jsEval) ident() string {
	j := e.i
	for j < len(e.src) && (isIdentByte(e.src[j]) || e.src[j] == '.') {
		j++
	}
	name := e.src[e.i:j]
	if j == e.i {
		j++ // not an identifier: step over the byte
	}
	e.i = j
	return name
}

// readString reads a string literal at e.i and returns its value.
func (e *jsEval) readString() string {
	q := e.src[e.i]
	j := e.i + 1
	for j < len(e.src) && e.src[j] != q {
		if e.src[j] == '\\' {
			j += 2
			continue
		}
		if q != '`' && e.src[j] == '\n' {
			break // an unterminated literal ends at the line
		}
		j++
	}
	end := min(j, len(e.src))
	v := unescapeJS(e.src[e.i+1 : end])
	e.i = min(end+1, len(e.src))
	return v
}

func (e *jsEval) skipComment() {
	if e.src[e.i+1] == '/' {
		if k := strings.IndexByte(e.src[e.i:], '\n'); k >= 0 {
			e.i += k + 1
		} else {
			e.i = len(e.src)
		}
		return
	}
	if k := strings.Index(e.src[e.i+2:], "*/"); k >= 0 {
		e.i += k + 4
	} else {
		e.i = len(e.src)
	}
}

// space skips white space.
func (e *jsEval) space() {
	for e.i < len(e.src) && (isRESpace(e.src[e.i]) || e.src[e.i] == '\v') {
		e.i++
	}
}

func (e *jsEval) peek() byte {
	if e.i < len(e.src) {
		return e.src[e.i]
	}
	return 0
}
