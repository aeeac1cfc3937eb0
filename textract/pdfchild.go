package textract

import (
	"encoding/gob"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"sync"
	"time"
)

// PDF workers: the running executable started again with childEnv set
// parses the PDFs sent on its standard input, one after another, and
// writes each result on its standard output (gob). Every program that
// imports textract (govaudit, its tests) can be its own worker: the init
// function below takes over before main when the variable is set. A
// worker that passes pdfTimeout on one PDF (the library loops for ever on
// some malformed streams), or dies (a stack overflow no recover catches),
// is killed and replaced by a fresh one for the next PDF.

// childEnv marks a PDF worker process.
const childEnv = "GOVAUDIT_TEXTRACT_PDF_CHILD"

// childMemory is a worker's soft memory limit (the GC works hard past
// it); the download cap and the inflate check bound the input.
const childMemory = 1 << 30

func init() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(servePDFChild(os.Stdin, os.Stdout))
	}
}

// pdfRequest and pdfResponse are a worker's input and output.
type pdfRequest struct {
	Data []byte
	Lim  Limits
}

type pdfResponse struct {
	Doc   Doc
	Cause string // a NoTextError's cause; empty on success
}

// servePDFChild parses the PDFs of in until it closes.
func servePDFChild(in io.Reader, out io.Writer) int {
	debug.SetMemoryLimit(childMemory)
	dec, enc := gob.NewDecoder(in), gob.NewEncoder(out)
	for {
		var req pdfRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			return 2
		}
		doc, err := parsePDF(req.Data, req.Lim)
		var resp pdfResponse
		var nt *NoTextError
		switch {
		case errors.As(err, &nt):
			resp.Cause = nt.Cause
		case err != nil:
			resp.Cause = "无法提取文字：PDF 文件已损坏或无法解析"
		default:
			resp.Doc = doc
		}
		if err := enc.Encode(&resp); err != nil {
			return 2
		}
	}
}

// pdfWorker is a running worker process.
type pdfWorker struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	enc *gob.Encoder
	dec *gob.Decoder
}

// pdfIdle holds the idle workers (at most cap(pdfSlots)).
var (
	pdfMu   sync.Mutex
	pdfIdle []*pdfWorker
)

// startPDFWorker starts a worker process.
func startPDFWorker() (*pdfWorker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = io.Discard
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &pdfWorker{cmd: cmd, in: in, enc: gob.NewEncoder(in), dec: gob.NewDecoder(out)}, nil
}

// kill ends a worker.
func (w *pdfWorker) kill() {
	w.in.Close()
	_ = w.cmd.Process.Kill()
	_ = w.cmd.Wait()
}

// runPDFChild parses data in a worker process; when none can be started,
// in this process.
func runPDFChild(data []byte, lim Limits) (Doc, error) {
	pdfMu.Lock()
	var w *pdfWorker
	if n := len(pdfIdle); n > 0 {
		w, pdfIdle = pdfIdle[n-1], pdfIdle[:n-1]
	}
	pdfMu.Unlock()
	if w == nil {
		var err error
		if w, err = startPDFWorker(); err != nil {
			return parsePDF(data, lim)
		}
	}
	type result struct {
		resp pdfResponse
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		if r.err = w.enc.Encode(&pdfRequest{Data: data, Lim: lim}); r.err == nil {
			r.err = w.dec.Decode(&r.resp)
		}
		done <- r
	}()
	t := time.NewTimer(pdfTimeout)
	defer t.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			w.kill()
			return Doc{}, noText("pdf", "PDF 文件已损坏或无法解析（解析进程异常退出）")
		}
		pdfMu.Lock()
		pdfIdle = append(pdfIdle, w)
		pdfMu.Unlock()
		if r.resp.Cause != "" {
			return Doc{}, &NoTextError{Format: "pdf", Cause: r.resp.Cause}
		}
		return r.resp.Doc, nil
	case <-t.C:
		w.kill()
		<-done
		return Doc{}, noText("pdf", "PDF 解析超时（文件结构异常）")
	}
}
