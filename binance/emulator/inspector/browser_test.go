package inspector

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// docsSecret is the secret of the Binance docs' public example key, which
// the exchange accepts by default.
const docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

// browser starts Debian's headless Chromium for one test and collects the
// page's errors (uncaught exceptions, console errors, CSP violations).
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := testenv.LookPath(t, "chromium", "apt-get install -y chromium")
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1100),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication"),
	)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	b := &browser{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				msg = "console." + string(ev.Type)
				for _, a := range ev.Args {
					msg += " " + string(a.Value) + a.Description
				}
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				msg = "log " + string(ev.Entry.Source) + ": " + ev.Entry.Text
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errors = append(b.errors, msg)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("starting chromium (%s): %v", exe, err)
	}
	return b
}

// checkErrors fails the test if the page reported any error so far.
func (b *browser) checkErrors(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		t.Errorf("page reported: %s", e)
	}
}

func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](t *testing.T, b *browser, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot saves the page for people to look at: with
// `go test -artifacts -outputdir DIR` it stays in DIR.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	// From the top: a full-page capture draws the sticky header where the
	// page is scrolled to.
	b.do(t, "scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	png := run(t, b, "screenshot", chromedp.FullScreenshot(100)) // 100 means PNG
	p := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

type rowInfo struct {
	ID      string   `json:"id"`
	Verdict string   `json:"verdict"`
	Code    string   `json:"code"`
	Cells   []string `json:"cells"`
}

const rowsJS = `Array.from(document.querySelectorAll('tr.entry')).map(tr => ({id: tr.dataset.id, verdict: tr.dataset.verdict, code: tr.dataset.code, cells: Array.from(tr.cells).map(c => c.innerText)}))`

// startExchange runs the real local exchange on loopback with the
// inspector at /mbx/.
func startExchange(t *testing.T) (*emulator.Server, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	// The inspector needs the server and the server takes the inspector in
	// its Options: the handler is filled in before Start, which is what
	// makes it visible to the serving goroutines.
	var insp http.Handler
	srv, err := emulator.New(ctx, emulator.DefaultConfig(), emulator.Options{
		Inspector: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { insp.ServeHTTP(w, r) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	insp = New(srv, Options{})
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv, base
}

func send(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	req.Header.Set("X-MBX-APIKEY", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestBrowserShowsRejection drives the page in Chromium against the real
// exchange: one good request, one signed the wrong way.
func TestBrowserShowsRejection(t *testing.T) {
	b := newBrowser(t)
	srv, base := startExchange(t)
	key, err := sign.NewHMAC(secret.FromString(docsSecret))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// 1. Correctly signed.
	good := payload.REST{Method: http.MethodGet}
	signed, err := good.Sign(key, payload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := signed.NewRequest(ctx, base, "/api/v3/account")
	if err != nil {
		t.Fatal(err)
	}
	if resp := send(t, req); resp.StatusCode != 200 {
		t.Fatalf("good request: HTTP %d %s", resp.StatusCode, resp.Header.Get(emulator.HeaderExplain))
	}

	// 2. Signed over the raw UTF-8 symbol, sent percent-encoded.
	bad := payload.REST{Method: http.MethodGet}
	bad.Query.Add("symbol", "这是测试币456")
	enc, err := bad.Sign(key, payload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := url.QueryUnescape(enc.Payload)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := key.AppendSign(nil, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v3/openOrders", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = enc.Payload + "&signature=" + hex.EncodeToString(sig)
	resp := send(t, req)
	if resp.StatusCode != 400 {
		t.Fatalf("bad request: HTTP %d", resp.StatusCode)
	}
	idText, ok := strings.CutPrefix(resp.Header.Get(emulator.HeaderInspect), "/mbx/#")
	badID, err := strconv.ParseUint(idText, 10, 64)
	if !ok || err != nil {
		t.Fatalf("%s: %q", emulator.HeaderInspect, resp.Header.Get(emulator.HeaderInspect))
	}
	badEntry, ok := srv.Lookup(badID)
	if !ok || badEntry.Code != -1022 || badEntry.Explanation == nil || badEntry.Explanation.Mistake == nil {
		t.Fatalf("exchange entry #%d: %+v", badID, badEntry)
	}
	x := badEntry.Explanation
	if x.Mistake.ID != verify.MistakeSignedDecoded {
		t.Fatalf("mistake %q, want %q", x.Mistake.ID, verify.MistakeSignedDecoded)
	}
	var goodID uint64
	for _, e := range srv.Recent() {
		if e.Path == "/api/v3/account" && e.Verdict == emulator.VerdictAccepted {
			goodID = e.ID
		}
	}
	if goodID == 0 {
		t.Fatal("the exchange did not record the good request")
	}
	goodEntry, _ := srv.Lookup(goodID)
	goodSel, badSel := fmt.Sprintf(`tr.entry[data-id="%d"]`, goodID), fmt.Sprintf(`tr.entry[data-id="%d"]`, badID)
	panelSel := fmt.Sprintf("#detail-%d", badID)

	// The table.
	b.do(t, "load the page", chromedp.Navigate(base+"/mbx/"),
		chromedp.WaitVisible(chromedp.CSS(goodSel)), chromedp.WaitVisible(chromedp.CSS(badSel)))
	rows := run(t, b, "read the rows", chromedp.Evaluate[[]rowInfo](rowsJS))
	pos := map[string]int{}
	for i, r := range rows {
		pos[r.ID] = i
	}
	gs, bs := strconv.FormatUint(goodID, 10), strconv.FormatUint(badID, 10)
	g, bd := rows[pos[gs]], rows[pos[bs]]
	wantGood := []string{"GET", "/api/v3/account", "vmPU…Eh8A", "accepted", "0", strconv.Itoa(goodEntry.Weight), "200"}
	wantBad := []string{"GET", "/api/v3/openOrders", "vmPU…Eh8A", "rejected", "-1022", strconv.Itoa(badEntry.Weight), "400"}
	if g.Verdict != "accepted" || g.Code != "0" || strings.Join(g.Cells[1:], "|") != strings.Join(wantGood, "|") {
		t.Errorf("good row %+v, want cells %v", g, wantGood)
	}
	if bd.Verdict != "rejected" || bd.Code != "-1022" || strings.Join(bd.Cells[1:], "|") != strings.Join(wantBad, "|") {
		t.Errorf("bad row %+v, want cells %v", bd, wantBad)
	}
	if pos[bs] > pos[gs] {
		t.Errorf("rows not newest first: %+v", rows)
	}
	if body := run(t, b, "page text", chromedp.Text(chromedp.CSS("body"))); strings.Contains(body, testKey) {
		t.Error("the page shows the full API key")
	}

	// Open the rejection.
	b.do(t, "open the rejection", chromedp.Click(chromedp.CSS(badSel)), chromedp.WaitVisible(chromedp.CSS(panelSel+" .mistake-title")))
	text := run(t, b, "panel text", chromedp.Text(chromedp.CSS(panelSel)))
	for _, want := range []string{x.Mistake.Title, x.Mistake.Fix, x.Payload, x.Mistake.Signed, x.SignatureLocation,
		"first difference at byte", `symbol=\xE8\xBF\x99`, "symbol=%E8%BF%99"} {
		if !strings.Contains(text, want) {
			t.Errorf("the panel does not show %q:\n%s", want, text)
		}
	}
	marks := run(t, b, "highlighted bytes", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('`+panelSel+` .diff mark')).map(m => m.parentElement.classList[1] + ':' + m.textContent)`))
	if !contains(marks, "sent:%") || !contains(marks, `signed:\x`) {
		t.Errorf("highlighted runs %q, want %%-escapes against \\x bytes", marks)
	}
	if h := run(t, b, "hash", chromedp.Evaluate[string](`location.hash`)); h != "#"+bs {
		t.Errorf("location.hash %q after opening, want #%s", h, bs)
	}
	b.screenshot(t, "inspector-rejection.png")

	// A link from X-MBX-INSPECT opens the entry by itself.
	b.do(t, "open /mbx/#id", chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/mbx/#"+bs),
		chromedp.WaitVisible(chromedp.CSS(panelSel+" .mistake-title")), chromedp.WaitVisible(chromedp.CSS(badSel+".selected")))
	if n := run(t, b, "open panels", chromedp.Evaluate[int](`document.querySelectorAll('tr.detail').length`)); n != 1 {
		t.Errorf("%d panels open, want 1", n)
	}

	// Filter by code: the good row goes.
	b.do(t, "filter", chromedp.SendKeys(chromedp.CSS("#filter"), "-1022"),
		chromedp.WaitNotPresent(chromedp.CSS(goodSel)), chromedp.WaitVisible(chromedp.CSS(badSel)))
	b.do(t, "clear the filter",
		chromedp.Evaluate[chromedp.Void](`(f => { f.value = ''; f.dispatchEvent(new Event('input')); })(document.getElementById('filter'))`),
		chromedp.WaitVisible(chromedp.CSS(goodSel)))

	// Auto-refresh: a request made now shows up without a reload.
	pingReq, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v3/ping", nil)
	if resp := send(t, pingReq); resp.StatusCode != 200 {
		t.Fatalf("ping: %d", resp.StatusCode)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](
		`Array.from(document.querySelectorAll('tr.entry td.path')).some(td => td.innerText === '/api/v3/ping')`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the ping did not appear within 10s (the page polls every 2s): %v", err)
	}
	// The open panel survived the refresh.
	b.do(t, "panel still open", chromedp.WaitVisible(chromedp.CSS(panelSel+" .mistake-title")))
	b.checkErrors(t)
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

// TestBrowserXSS: markup in every field a client controls is shown as text,
// never parsed or run.
func TestBrowserXSS(t *testing.T) {
	b := newBrowser(t)
	ts := httptest.NewServer(New(&fakeSource{entries: xssEntries()}, Options{}))
	t.Cleanup(ts.Close)
	if !strings.HasPrefix(ts.URL, "http://127.0.0.1:") {
		t.Fatalf("test server not on loopback: %s", ts.URL)
	}
	b.do(t, "open the entry", chromedp.Navigate(ts.URL+"/mbx/#7"), chromedp.WaitVisible(chromedp.CSS("#detail-7 .mistake-title")))
	type result struct {
		XSS      string `json:"xss"`
		Injected int    `json:"injected"`
		Scripts  int    `json:"scripts"`
		Panel    string `json:"panel"`
		Row      string `json:"row"`
	}
	r := run(t, b, "inspect the DOM", chromedp.Evaluate[result](`({
		xss: String(window.__xss),
		injected: document.querySelectorAll('img, svg, iframe, object, embed, main script, tbody script').length,
		scripts: document.scripts.length,
		panel: document.getElementById('detail-7').innerText,
		row: document.getElementById('req-7').innerText,
	})`))
	if r.XSS != "undefined" {
		t.Errorf("injected script ran: window.__xss = %s", r.XSS)
	}
	if r.Injected != 0 || r.Scripts != 1 {
		t.Errorf("markup became elements: %d injected, %d scripts", r.Injected, r.Scripts)
	}
	for _, want := range []string{"title " + xssImg, "fix " + xssScript, "symbol=" + xssImg, "in " + xssSVG, "note " + xssImg, "verdict " + xssScript, "msg " + xssImg} {
		if !strings.Contains(r.Panel, want) {
			t.Errorf("the panel does not show %q as text:\n%s", want, r.Panel)
		}
	}
	if !strings.Contains(r.Row, "/api/v3/"+xssScript) {
		t.Errorf("row %q", r.Row)
	}
	// Give any deferred handler (onerror fires asynchronously) time to run.
	b.do(t, "wait", chromedp.Sleep(500*time.Millisecond))
	if x := run(t, b, "after a while", chromedp.Evaluate[string](`String(window.__xss)`)); x != "undefined" {
		t.Errorf("injected script ran later: %s", x)
	}
	b.screenshot(t, "inspector-xss.png")
	b.checkErrors(t)
}
