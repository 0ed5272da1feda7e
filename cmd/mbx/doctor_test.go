package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/mbxkit/mbx/binance/binancetest"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/internal/doctor"
)

// The report as a person sees it in a terminal: a progress line while the
// checks run, colour, a verdict per check, and a summary.
func TestDoctorInPseudoTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	var screen bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&screen, ptmx)
		close(done)
	}()
	t.Setenv("NO_COLOR", "")
	cmd := newRootCmd(context.Background(), streams{in: strings.NewReader(""), out: tty, err: tty})
	cmd.SetArgs([]string{"doctor"})
	runErr := cmd.Execute()
	tty.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	out := screen.String()
	if runErr != nil {
		t.Fatalf("doctor failed on the embedded exchange: %v\n%s", runErr, out)
	}
	for _, want := range []string{
		"starting the embedded local exchange",
		"[1/7] Clock against the exchange…", // the progress line
		"\033[32mPASS\033[0m",               // green, only on a terminal
		"Signed round trip (GET /api/v3/account)",
		"Signed round trip with a non-ASCII symbol",
		"all checks passed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal does not show %q:\n%s", want, out)
		}
	}
}

func TestDoctorPlainAndJSON(t *testing.T) {
	out, _, err := run(t, "doctor")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(out, "\033[") || strings.Contains(out, "[1/7]") {
		t.Fatalf("colour or progress written to a non-terminal:\n%q", out)
	}
	if !strings.Contains(out, "PASS  Clock") || !strings.Contains(out, "all checks passed (7 pass)") {
		t.Fatalf("plain report:\n%s", out)
	}
	js, _, err := run(t, "doctor", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep doctor.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, js)
	}
	if len(rep.Results) != 7 || rep.Worst() != doctor.Pass || !strings.HasPrefix(rep.BaseURL, "http://127.0.0.1:") {
		t.Fatalf("json report: %+v", rep)
	}
}

// Against a target that rejects the key, doctor fails with the likely
// causes and a fix, exits non-zero, and never prints the secret.
func TestDoctorFailingTarget(t *testing.T) {
	cfg := emulator.DefaultConfig()
	cfg.Keys[0].IPWhitelist = []string{"10.9.8.7"}
	base := binancetest.NewServer(t, binancetest.WithConfig(cfg)).URL
	const secretText = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	key := writeFile(t, "secret.txt", secretText, 0o600)
	out, stderr, err := run(t, "doctor", "--base-url", base, "--api-key", emulator.DocsAPIKey, "--key-file", key)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("exit = %v, want code 1\n%s", err, out)
	}
	for _, want := range []string{"FAIL  Signed round trip", "-2015", "IP whitelist", "fix:"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+stderr, secretText) {
		t.Fatal("secret printed")
	}

	// A wrong secret: -1022, with what it means when mbx signed.
	bad := writeFile(t, "bad.txt", strings.Replace(secretText, "N", "M", 1), 0o600)
	base2 := binancetest.NewServer(t).URL
	out, _, err = run(t, "doctor", "--base-url", base2, "--api-key", emulator.DocsAPIKey, "--key-file", bad)
	if !errors.As(err, &ee) || !strings.Contains(out, "-1022") || !strings.Contains(out, "secret does not belong to this API key") {
		t.Fatalf("wrong secret: %v\n%s", err, out)
	}
}

// A creds file readable by others is refused with the chmod that fixes it.
func TestDoctorCredsPermissions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "creds.yml")
	body := "default: main\nprofiles:\n  main:\n    api_key: " + emulator.DocsAPIKey + "\n    secret: NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j\n    base_url: http://127.0.0.1:1\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "doctor", "--creds", path)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(err.Error()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), "NhqPtmd") {
			t.Fatal("secret in error")
		}
	}
}

// A clock off by 3s still signs correctly (mbx corrects for it) but is a
// warning with the fix, and the exit code says so (2).
func TestDoctorWarnsAboutASkewedClock(t *testing.T) {
	ex := binancetest.NewServer(t)
	srv, base := ex.Exchange, ex.URL
	srv.SetClockSkew(3 * time.Second)
	key := writeFile(t, "secret.txt", "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j", 0o600)
	out, _, err := run(t, "doctor", "--base-url", base, "--api-key", emulator.DocsAPIKey, "--key-file", key)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 {
		t.Fatalf("exit = %v, want code 2 (warnings)\n%s", err, out)
	}
	m := regexp.MustCompile(`WARN  Clock against the exchange: offset \+([0-9.]+)ms`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no clock warning with an offset:\n%s", out)
	}
	if off, _ := strconv.ParseFloat(m[1], 64); off < 2900 || off > 3100 {
		t.Fatalf("measured offset %sms, want about +3000ms", m[1])
	}
	for _, want := range []string{"NTP", "PASS  Signed round trip (GET /api/v3/account)", "passed with warnings"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
