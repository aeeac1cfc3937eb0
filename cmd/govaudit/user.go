package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
	"gopkg.in/yaml.v3"

	"github.com/govaudit/govaudit/config"
)

// minPasswordLen is the shortest password user add accepts, in characters.
const minPasswordLen = 8

func userCmd() command {
	return command{
		name:    "user",
		summary: "manage who may sign in to the review UI: user add NAME, user list, user remove NAME",
		run:     runUser,
	}
}

func runUser(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("missing subcommand: add, list or remove")}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprintln(a.stderr, "Usage: govaudit user add NAME [--role inspector|viewer] [--config FILE]\n"+
			"       govaudit user list [--config FILE]\n"+
			"       govaudit user remove NAME [--config FILE]")
		return nil
	case "add":
		return runUserAdd(a, args[1:])
	case "list":
		return runUserList(a, args[1:])
	case "remove":
		return runUserRemove(a, args[1:])
	}
	return usageError{fmt.Errorf("unknown subcommand %q (add, list, remove)", args[0])}
}

func runUserAdd(a *app, args []string) error {
	fs := newFlagSet(a, "user add", "NAME [--role inspector|viewer] [--config FILE]\n\n"+
		"Sets the password of NAME (adding NAME when new) in the configuration file. The password\n"+
		"is read from the terminal, or from the first line of standard input when that is not a\n"+
		"terminal; only its bcrypt hash is written. The rest of the file, comments included, is kept.")
	cfgPath := fs.String("config", "govaudit.yaml", "configuration file")
	role := fs.String("role", "", "inspector (may decide findings; the default for a new user) or viewer (read only)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return usageError{errors.New("want one user NAME")}
	}
	name := strings.TrimSpace(pos[0])
	if *role != "" && *role != config.RoleInspector && *role != config.RoleViewer {
		return usageError{fmt.Errorf("--role %q: use inspector or viewer", *role)}
	}
	if _, err := loadConfig(*cfgPath); err != nil {
		return err
	}
	pw, err := readPassword(a)
	if err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	created, err := editInspectors(*cfgPath, func(list *yaml.Node) (bool, error) {
		return setInspector(list, name, string(hash), *role)
	})
	if err != nil {
		return err
	}
	if fi, err := os.Stat(*cfgPath); err == nil && fi.Mode().Perm()&0o044 != 0 {
		fmt.Fprintf(a.stderr, "note: %s is readable by other users; consider chmod 600 (it holds password hashes)\n", *cfgPath)
	}
	if created {
		fmt.Fprintf(a.stdout, "added %s to %s; restart govaudit serve/daemon to let them sign in\n", name, *cfgPath)
	} else {
		fmt.Fprintf(a.stdout, "password of %s changed in %s; restart govaudit serve/daemon to apply it\n", name, *cfgPath)
	}
	return nil
}

func runUserRemove(a *app, args []string) error {
	fs := newFlagSet(a, "user remove", "NAME [--config FILE]")
	cfgPath := fs.String("config", "govaudit.yaml", "configuration file")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want one user NAME")}
	}
	if _, err := loadConfig(*cfgPath); err != nil {
		return err
	}
	removed := false
	_, err = editInspectors(*cfgPath, func(list *yaml.Node) (bool, error) {
		kept := list.Content[:0]
		for _, item := range list.Content {
			if v := mapValue(item, "name"); v != nil && v.Value == pos[0] {
				removed = true
				continue
			}
			kept = append(kept, item)
		}
		list.Content = kept
		return false, nil
	})
	if err != nil {
		return err
	}
	if !removed {
		return fmt.Errorf("no user %q in %s", pos[0], *cfgPath)
	}
	fmt.Fprintf(a.stdout, "removed %s from %s\n", pos[0], *cfgPath)
	return nil
}

func runUserList(a *app, args []string) error {
	fs := newFlagSet(a, "user list", "[--config FILE]")
	cfgPath := fs.String("config", "govaudit.yaml", "configuration file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if len(cfg.Inspectors) == 0 {
		fmt.Fprintln(a.stdout, "no users (add one with govaudit user add NAME)")
		return nil
	}
	var rows [][]string
	for _, in := range cfg.Inspectors {
		pw := "set"
		if in.PasswordHash == "" {
			pw = "none (SSO only)"
		}
		role := in.Role
		if role == "" {
			role = config.RoleInspector
		}
		rows = append(rows, []string{cleanCell(in.Name, 30), role, pw})
	}
	writeTable(a.stdout, []string{"name", "role", "password"}, rows, -1)
	return nil
}

// readPassword reads a new password: twice, without echo, from a terminal;
// else the first line of standard input.
func readPassword(a *app) (string, error) {
	in := a.stdin
	if in == nil {
		in = os.Stdin
	}
	var pw string
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(a.stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if !bytes.Equal(p1, p2) {
			return "", usageError{errors.New("the two passwords differ")}
		}
		pw = string(p1)
	} else {
		line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if utf8.RuneCountInString(pw) < minPasswordLen {
		return "", usageError{fmt.Errorf("the password must have at least %d characters", minPasswordLen)}
	}
	if len(pw) > 72 {
		return "", usageError{errors.New("the password is longer than 72 bytes, which bcrypt cannot use")}
	}
	return pw, nil
}

// editInspectors applies edit to the inspectors list of the configuration
// file and rewrites only the lines of that list: every other byte of the
// file (comments, alignment, blank lines) stays as it was. The result must
// load as a configuration before it replaces the file.
func editInspectors(path string, edit func(list *yaml.Node) (created bool, err error)) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, configError{err}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return false, configError{fmt.Errorf("%s: %w", path, err)}
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	if doc.Kind != 0 {
		root = doc.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return false, configError{fmt.Errorf("%s: the top level is not a mapping", path)}
	}
	var key, list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "inspectors" {
			key, list = root.Content[i], root.Content[i+1]
		}
	}
	first, last := 0, 0 // the lines (1-based) of the inspectors entry
	if key != nil {
		first, last = key.Line, max(key.Line, lastLine(list))
		if list.Kind == yaml.SequenceNode && list.Style&yaml.FlowStyle != 0 && last > first {
			// A flow list over several lines ends on a line no node marks.
			return false, fmt.Errorf("%s:%d: write inspectors as a block list (one \"- name: …\" a line) to edit it", path, first)
		}
	} else {
		key = &yaml.Node{Kind: yaml.ScalarNode, Value: "inspectors"}
		list = &yaml.Node{Kind: yaml.SequenceNode}
	}
	if list.Kind == yaml.ScalarNode && (list.Tag == "!!null" || list.Value == "") {
		list = &yaml.Node{Kind: yaml.SequenceNode, LineComment: list.LineComment}
	}
	if list.Kind != yaml.SequenceNode {
		return false, configError{fmt.Errorf("%s:%d: inspectors is not a list", path, list.Line)}
	}
	created, err := edit(list)
	if err != nil {
		return false, err
	}
	if len(list.Content) > 0 {
		list.Style = 0 // block style, even after "inspectors: []"
	}
	// Comments around the entry stay in the untouched lines; those within
	// it are written again with their nodes.
	key.HeadComment, key.FootComment, list.FootComment = "", "", ""
	for _, item := range list.Content {
		item.FootComment = ""
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, list}}); err != nil {
		return false, fmt.Errorf("encode %s: %w", path, err)
	}
	enc.Close()
	lines := strings.SplitAfter(string(data), "\n")
	var out string
	if first == 0 {
		out = string(data)
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		out += buf.String()
	} else {
		out = strings.Join(lines[:first-1], "") + buf.String() + strings.Join(lines[min(last, len(lines)):], "")
	}
	if _, err := config.Parse([]byte(out), path); err != nil {
		return false, fmt.Errorf("the edited configuration would not load, %s left unchanged: %w", path, err)
	}
	// The file holds password hashes: never readable by others (a
	// root:govaudit 0640 file keeps its group).
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm() &^ 0o007
	}
	return created, writeFileAtomic(path, []byte(out), mode)
}

// lastLine is the last line on which n or a node within it stands.
func lastLine(n *yaml.Node) int {
	l := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		l += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// setInspector sets name's password hash (and role, when given) in the
// inspectors list, adding name when absent.
func setInspector(list *yaml.Node, name, hash, role string) (bool, error) {
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		if v := mapValue(item, "name"); v == nil || v.Value != name {
			continue
		}
		setMapValue(item, "password_hash", hash)
		if role != "" {
			setMapValue(item, "role", role)
		}
		return false, nil
	}
	if role == "" {
		role = config.RoleInspector
	}
	item := &yaml.Node{Kind: yaml.MappingNode}
	setMapValue(item, "name", name)
	setMapValue(item, "password_hash", hash)
	setMapValue(item, "role", role)
	list.Content = append(list.Content, item)
	return true, nil
}

// mapValue returns the value of key in mapping m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setMapValue sets key to a string scalar in mapping m.
func setMapValue(m *yaml.Node, key, value string) {
	if v := mapValue(m, key); v != nil {
		v.Kind, v.Tag, v.Value, v.Style, v.Content = yaml.ScalarNode, "!!str", value, 0, nil
		return
	}
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}

// writeFileAtomic replaces path with data, with permissions mode, through
// a synced temporary file in the same directory.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
