package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coregx/ahocorasick"
	"gopkg.in/yaml.v3"

	"github.com/govaudit/govaudit/rules/workday"
)

// The word lists of the wording check: shipped in rules/wordlists (read
// at build time with go:embed) and extended by the files of
// rules.wording.files, all in one YAML format:
//
//	titles:  [区委书记, 区长, 副区长]            # titles checked next to names
//	leaders: [{name: 张三, titles: [{title: 区长, from: 2024-01-01, to: ""}]}]
//	severe:  [{wrong: 中华人民共合国, right: 中华人民共和国, except: [...]}]
//	typos:   [{wrong: 再接再励, right: 再接再厉}]
//
// A later file's entry with the same wrong text (or leader name) replaces
// the earlier one.

//go:embed wordlists/*.yaml
var shippedWordLists embed.FS

// wordFile is one word-list file.
type wordFile struct {
	Titles  []string    `yaml:"titles"`
	Leaders []leader    `yaml:"leaders"`
	Severe  []wordEntry `yaml:"severe"`
	Typos   []wordEntry `yaml:"typos"`
}

// leader is a person of the leader table with the titles held.
type leader struct {
	Name   string        `yaml:"name"`
	Titles []leaderTitle `yaml:"titles"`
}

// leaderTitle is a title held from From to To (dates "2006-01-02"; an
// empty To: still held).
type leaderTitle struct {
	Title string `yaml:"title"`
	From  string `yaml:"from"`
	To    string `yaml:"to"`

	from, to time.Time // parsed; zero when open
}

// holds reports whether the title is held on d.
func (t leaderTitle) holds(d time.Time) bool {
	return (t.from.IsZero() || !d.Before(t.from)) && (t.to.IsZero() || !d.After(t.to))
}

// wordEntry is a wrong text and its correction.
type wordEntry struct {
	Wrong  string   `yaml:"wrong"`
	Right  string   `yaml:"right"`
	Except []string `yaml:"except"` // longer correct texts that contain Wrong

	severe bool
}

// wordLists are the compiled lists of one configuration.
type wordLists struct {
	entries []wordEntry // pattern i of words is entries[i]
	words   *ahocorasick.Automaton
	leaders map[string]leader // by name
	titles  []string          // pattern i of people is titles[i] (i < len(titles)), then names
	people  *ahocorasick.Automaton
	names   []string // leader names, in pattern order after the titles
}

// loadWordLists reads the shipped lists, then files, and compiles them.
func loadWordLists(files []string) (*wordLists, error) {
	var all []wordFile
	shipped, err := fs.Glob(shippedWordLists, "wordlists/*.yaml")
	if err != nil {
		return nil, err
	}
	slices.Sort(shipped)
	for _, name := range shipped {
		data, err := shippedWordLists.ReadFile(name)
		if err != nil {
			return nil, err
		}
		wf, err := parseWordFile(data, "rules/"+name)
		if err != nil {
			return nil, err
		}
		all = append(all, wf)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("rules.wording.files: %w", err)
		}
		wf, err := parseWordFile(data, name)
		if err != nil {
			return nil, fmt.Errorf("rules.wording.files: %w", err)
		}
		all = append(all, wf)
	}
	return compileWordLists(all)
}

// parseWordFile decodes and validates one file; name is used in errors.
func parseWordFile(data []byte, name string) (wordFile, error) {
	var wf wordFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&wf); err != nil && err.Error() != "EOF" {
		return wordFile{}, fmt.Errorf("%s: %w", path.Base(name), err)
	}
	for i := range wf.Leaders {
		l := &wf.Leaders[i]
		if strings.TrimSpace(l.Name) == "" {
			return wordFile{}, fmt.Errorf("%s: leaders[%d]: name is required", name, i)
		}
		for j := range l.Titles {
			t := &l.Titles[j]
			if t.Title == "" {
				return wordFile{}, fmt.Errorf("%s: leaders[%d] %s: titles[%d]: title is required", name, i, l.Name, j)
			}
			for _, d := range []struct {
				s   string
				out *time.Time
			}{{t.From, &t.from}, {t.To, &t.to}} {
				if d.s == "" {
					continue
				}
				v, err := workday.Parse(d.s)
				if err != nil {
					return wordFile{}, fmt.Errorf("%s: leaders[%d] %s: %q is not a date (YYYY-MM-DD)", name, i, l.Name, d.s)
				}
				*d.out = v
			}
		}
	}
	for _, list := range [][]wordEntry{wf.Severe, wf.Typos} {
		for i, e := range list {
			if e.Wrong == "" || e.Right == "" || e.Wrong == e.Right {
				return wordFile{}, fmt.Errorf("%s: entry %d (%q→%q): wrong and right are required and must differ", name, i, e.Wrong, e.Right)
			}
		}
	}
	return wf, nil
}

// compileWordLists merges files (later ones win) and builds the automata.
func compileWordLists(files []wordFile) (*wordLists, error) {
	w := &wordLists{leaders: map[string]leader{}}
	byWrong := map[string]int{}
	titleSet := map[string]bool{}
	var titles []string
	addTitle := func(t string) {
		if t = strings.TrimSpace(t); t != "" && !titleSet[t] {
			titleSet[t] = true
			titles = append(titles, t)
		}
	}
	for _, f := range files {
		for _, t := range f.Titles {
			addTitle(t)
		}
		for _, l := range f.Leaders {
			w.leaders[l.Name] = l
			for _, t := range l.Titles {
				addTitle(t.Title)
			}
		}
		for _, list := range []struct {
			entries []wordEntry
			severe  bool
		}{{f.Severe, true}, {f.Typos, false}} {
			for _, e := range list.entries {
				e.severe = list.severe
				if i, ok := byWrong[e.Wrong]; ok {
					w.entries[i] = e
					continue
				}
				byWrong[e.Wrong] = len(w.entries)
				w.entries = append(w.entries, e)
			}
		}
	}
	var err error
	if len(w.entries) > 0 {
		pats := make([]string, len(w.entries))
		for i, e := range w.entries {
			pats[i] = e.Wrong
		}
		if w.words, err = ahocorasick.NewBuilder().SetMatchKind(ahocorasick.LeftmostLongest).AddStrings(pats).Build(); err != nil {
			return nil, fmt.Errorf("compile word list: %w", err)
		}
	}
	w.titles = titles
	for n := range w.leaders {
		w.names = append(w.names, n)
	}
	slices.Sort(w.names)
	if len(titles)+len(w.names) > 0 {
		pats := append(slices.Clone(titles), w.names...)
		if w.people, err = ahocorasick.NewBuilder().SetMatchKind(ahocorasick.LeftmostLongest).AddStrings(pats).Build(); err != nil {
			return nil, fmt.Errorf("compile leader table: %w", err)
		}
	}
	return w, nil
}

// wordListCache keeps the compiled lists per list of extra files, so that
// nightly checks do not rebuild the automata.
var wordListCache struct {
	sync.Mutex
	key   string
	lists *wordLists
}

// cachedWordLists returns the compiled lists for files. The lists are
// compiled again when the files named, their sizes or their modification
// times change.
func cachedWordLists(files []string) (*wordLists, error) {
	var kb strings.Builder
	for _, f := range files {
		kb.WriteString(f)
		if fi, err := os.Stat(f); err == nil {
			fmt.Fprintf(&kb, "|%d|%d", fi.Size(), fi.ModTime().UnixNano())
		}
		kb.WriteByte(0)
	}
	key := kb.String()
	wordListCache.Lock()
	defer wordListCache.Unlock()
	if wordListCache.lists != nil && wordListCache.key == key {
		return wordListCache.lists, nil
	}
	w, err := loadWordLists(files)
	if err != nil {
		return nil, err
	}
	wordListCache.key, wordListCache.lists = key, w
	return w, nil
}
