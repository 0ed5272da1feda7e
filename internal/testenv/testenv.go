// Package testenv decides what a test does when a program it needs is missing:
// on a developer's machine it skips with the command that installs the program;
// in CI (CI=true) it fails, so nothing is silently skipped there.
package testenv

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// InCI reports whether the tests run in CI, where a missing program is a failure.
func InCI() bool {
	v := os.Getenv("CI")
	return v == "true" || v == "1"
}

// LookPath returns the path of program, or skips (developer machine) or fails
// (CI) the test with install as the fix.
func LookPath(t testing.TB, program, install string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err == nil {
		return p
	}
	Missing(t, program+" not found", install)
	return ""
}

// Missing skips or fails the test because something it needs is not there.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s (CI=true, so this fails instead of skipping); install it with: %s", what, install)
	}
	t.Skipf("%s; install it with: %s", what, install)
}

// SyncBuffer is an output sink that a logger or child-process reader may
// write while the test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// RawRequest builds a request that carries rawQuery and body exactly as
// given (nothing parses or re-encodes them), with a form content type when
// there is a body and none is named, and the X-MBX-APIKEY header when
// apiKey is set.
func RawRequest(t testing.TB, method, url, rawQuery, body, contentType, apiKey string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = rawQuery
	if contentType == "" && body != "" {
		contentType = "application/x-www-form-urlencoded"
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if apiKey != "" {
		req.Header.Set("X-MBX-APIKEY", apiKey)
	}
	return req
}
