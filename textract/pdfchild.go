package textract

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
)

// The PDF child: the running executable started again with childEnv set
// parses one PDF sent on its standard input and writes the result on its
// standard output (gob), then exits. Every program that imports textract
// (govaudit, its tests) can be its own child: the init function below
// takes over before main when the variable is set.

// childEnv marks the PDF child process.
const childEnv = "GOVAUDIT_TEXTRACT_PDF_CHILD"

// childMemory is the child's soft memory limit (the GC works hard past
// it); the download cap and the inflate check bound the input.
const childMemory = 1 << 30

func init() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(servePDFChild(os.Stdin, os.Stdout))
	}
}

// pdfRequest and pdfResponse are the child's input and output.
type pdfRequest struct {
	Data []byte
	Lim  Limits
}

type pdfResponse struct {
	Doc   Doc
	Cause string // a NoTextError's cause; empty on success
}

// servePDFChild parses the PDF of in and writes the response to out.
func servePDFChild(in io.Reader, out io.Writer) int {
	debug.SetMemoryLimit(childMemory)
	var req pdfRequest
	if err := gob.NewDecoder(in).Decode(&req); err != nil {
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
	if err := gob.NewEncoder(out).Encode(&resp); err != nil {
		return 2
	}
	return 0
}

// runPDFChild parses data in a child process; without an executable to
// start, in this process.
func runPDFChild(data []byte, lim Limits) (Doc, error) {
	exe, err := os.Executable()
	if err != nil {
		return parsePDF(data, lim)
	}
	var in bytes.Buffer
	if err := gob.NewEncoder(&in).Encode(&pdfRequest{Data: data, Lim: lim}); err != nil {
		return Doc{}, noText("pdf", "PDF 无法送交解析")
	}
	ctx, cancel := context.WithTimeout(context.Background(), pdfTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin = &in
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = io.Discard
	err = cmd.Run()
	switch {
	case ctx.Err() != nil:
		return Doc{}, noText("pdf", "PDF 解析超时（文件结构异常）")
	case err != nil:
		return Doc{}, noText("pdf", "PDF 文件已损坏或无法解析（解析进程异常退出）")
	}
	var resp pdfResponse
	if err := gob.NewDecoder(&out).Decode(&resp); err != nil {
		return Doc{}, noText("pdf", "PDF 文件已损坏或无法解析")
	}
	if resp.Cause != "" {
		return Doc{}, &NoTextError{Format: "pdf", Cause: resp.Cause}
	}
	return resp.Doc, nil
}
