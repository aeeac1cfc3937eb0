package reports

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Formats are the notice formats WriteFiles knows.
var Formats = []string{"html", "docx", "xlsx", "csv"}

// ParseFormats parses a comma-separated list such as "html,docx,xlsx,csv".
func ParseFormats(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" || seen[f] {
			continue
		}
		ok := false
		for _, k := range Formats {
			ok = ok || k == f
		}
		if !ok {
			return nil, fmt.Errorf("format %q: want html, docx, xlsx or csv", f)
		}
		seen[f] = true
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no format given: want html, docx, xlsx or csv")
	}
	return out, nil
}

// FileNames returns the files a format is written to, e.g. "2026Q3-通报.html".
func FileNames(p Period, format string) []string {
	base := p.String()
	switch format {
	case "html":
		return []string{base + "-通报.html"}
	case "docx":
		return []string{base + "-通报.docx"}
	case "xlsx":
		return []string{base + "-通报.xlsx"}
	case "csv":
		return []string{base + "-排名.csv", base + "-问题清单.csv"}
	}
	return nil
}

// WriteFiles writes the notice in the given formats into dir (created if
// needed) and returns the paths written. Each file is written to a
// temporary name and renamed, so a failure never leaves half a report.
func WriteFiles(dir string, n *Notice, formats []string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report directory: %w", err)
	}
	var paths []string
	for _, format := range formats {
		names := FileNames(n.Period, format)
		var writers []func(io.Writer, *Notice) error
		switch format {
		case "html":
			writers = append(writers, WriteHTML)
		case "docx":
			writers = append(writers, WriteDOCX)
		case "xlsx":
			writers = append(writers, WriteXLSX)
		case "csv":
			writers = append(writers, WriteRankingCSV, WriteProblemsCSV)
		default:
			return paths, fmt.Errorf("unknown format %q", format)
		}
		for i, name := range names {
			path := filepath.Join(dir, name)
			if err := writeFileAtomic(path, func(w io.Writer) error { return writers[i](w, n) }); err != nil {
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// writeFileAtomic writes path through a temporary file in the same directory.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
