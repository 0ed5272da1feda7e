// Package inspector is the web page of the local exchange at /mbx/: the
// recent requests with their verdicts, codes and weights, and for each
// rejection its Explanation with a byte-level diff. It is also where a
// request's record lives (Entry, its verdicts and Explanation, the Ring of
// recent requests and the X-MBX-* headers that point at it), so that a local
// exchange and the verifying proxy share them without importing each other.
//
// The page is one embedded HTML file (no external assets: the exchange
// runs offline) that polls a small JSON API:
//
//	GET /mbx/                  the page; /mbx/#<id> opens request <id> (X-MBX-INSPECT)
//	GET /mbx/api/recent        recent requests, newest first (?limit=N, ?after=ID)
//	GET /mbx/api/entry/<id>    one request with its explanation; 404 when unknown
//
// Everything a client sent is data: the page writes it with textContent only,
// and a Content-Security-Policy that allows nothing but the page's own inline
// script and style stops injected markup even if that rule were broken.
// API keys are shown masked (first 4 … last 4); the exchange's entries hold
// no secret.
//
// The package knows no exchange: a local exchange imports it, is built
// first, and the inspector is wired in through its options (e.g. a local
// exchange's Options.Inspector).
package inspector

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// Source is where the inspector reads requests; a local exchange's server and the proxy are.
type Source interface {
	// Recent returns the remembered requests, oldest first.
	Recent() []Entry
	// Lookup returns the remembered request with the given id.
	Lookup(id uint64) (Entry, bool)
}

// Options are the inspector's settings. The zero value serves at /mbx/ to
// loopback clients only.
type Options struct {
	// Prefix is the path the handler answers under, with a trailing slash.
	// Empty means "/mbx/", where the exchange mounts it.
	Prefix string
	// AllowRemote serves clients that are not on loopback, and Host headers
	// that are not loopback names. By default both get 403: the page shows
	// every request body the exchange received, and a loopback-only Host
	// check keeps a web page in the user's browser from reading it through
	// DNS rebinding.
	AllowRemote bool
}

// maxLimit bounds ?limit; the exchange remembers RecentSize.
const maxLimit = 10000

type handler struct {
	src    Source
	opt    Options
	prefix string
	page   []byte
	csp    string
}

// New returns the inspector's handler: the page and its JSON API under
// opt.Prefix (default /mbx/).
func New(src Source, opt Options) http.Handler {
	prefix := opt.Prefix
	if prefix == "" {
		prefix = "/mbx/"
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if !strings.HasPrefix(prefix, "/") {
		prefix = "/" + prefix
	}
	return &handler{src: src, opt: opt, prefix: prefix, page: []byte(pageHTML), csp: contentSecurityPolicy(pageHTML)}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Frame-Options", "DENY")
	if !h.opt.AllowRemote {
		if why := loopbackOnly(r); why != "" {
			apiError(w, http.StatusForbidden, "the inspector answers loopback clients only (%s); open it on the exchange's machine, e.g. http://127.0.0.1:8765/mbx/", why)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		apiError(w, http.StatusMethodNotAllowed, "method %s is not allowed here; the inspector is read-only (GET)", r.Method)
		return
	}
	p := r.URL.Path
	if p+"/" == h.prefix {
		http.Redirect(w, r, h.prefix, http.StatusMovedPermanently)
		return
	}
	rest, ok := strings.CutPrefix(p, h.prefix)
	if !ok {
		apiError(w, http.StatusNotFound, "not found: the inspector serves %s", h.prefix)
		return
	}
	switch {
	case rest == "":
		h.servePage(w)
	case rest == "api/recent":
		h.serveRecent(w, r)
	case strings.HasPrefix(rest, "api/entry/"):
		h.serveEntry(w, strings.TrimPrefix(rest, "api/entry/"))
	default:
		apiError(w, http.StatusNotFound, "not found: the inspector serves %s, %sapi/recent and %sapi/entry/<id>", h.prefix, h.prefix, h.prefix)
	}
}

// loopbackOnly returns why r is refused, or "" when it comes from loopback
// and names a loopback host.
func loopbackOnly(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err != nil || !a.Unmap().IsLoopback() {
		return "request from " + host
	}
	name := r.Host
	if h, _, err := net.SplitHostPort(name); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if strings.EqualFold(name, "localhost") {
		return ""
	}
	if a, err := netip.ParseAddr(name); err == nil && a.Unmap().IsLoopback() {
		return ""
	}
	return fmt.Sprintf("Host %q is not a loopback name", name)
}

func (h *handler) servePage(w http.ResponseWriter) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", h.csp)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(h.page)
}

func (h *handler) serveRecent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			apiError(w, http.StatusBadRequest, "limit %q must be a whole number from 1 to %d", v, maxLimit)
			return
		}
		limit = n
	}
	var after uint64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			apiError(w, http.StatusBadRequest, "after %q must be a request id (a whole number >= 0)", v)
			return
		}
		after = n
	}
	all := h.src.Recent()
	out := make([]Summary, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- { // newest first
		if all[i].ID <= after {
			continue
		}
		out = append(out, summarize(&all[i]))
		if limit > 0 && len(out) == limit {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) serveEntry(w http.ResponseWriter, idText string) {
	id, err := strconv.ParseUint(idText, 10, 64)
	if err != nil || id == 0 {
		apiError(w, http.StatusBadRequest, "request id %q must be a positive whole number, as in %s#42", idText, h.prefix)
		return
	}
	e, ok := h.src.Lookup(id)
	if !ok {
		apiError(w, http.StatusNotFound, "request #%d is not among the %d most recent requests the exchange remembers", id, RecentSize)
		return
	}
	writeJSON(w, http.StatusOK, detail(&e))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	// encoding/json escapes < > & as \u003c..., so a payload holding markup
	// stays inert even if a browser sniffed the answer as HTML.
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// apiError answers {"error": "..."}, as the exchange's admin API does.
func apiError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// contentSecurityPolicy allows the page's own inline <script> and <style>
// by hash and nothing else: no other script, no inline event handler, no
// frame, images only as data: URLs (the empty favicon, which keeps the
// browser from asking the exchange for /favicon.ico), fetch to the same
// origin only.
func contentSecurityPolicy(page string) string {
	hash := func(tag string) string {
		var out []string
		rest := page
		open, closing := "<"+tag+">", "</"+tag+">"
		for {
			_, after, ok := strings.Cut(rest, open)
			if !ok {
				break
			}
			body, tail, ok := strings.Cut(after, closing)
			if !ok {
				break
			}
			sum := sha256.Sum256([]byte(body))
			out = append(out, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
			rest = tail
		}
		if len(out) == 0 {
			return "'none'"
		}
		return strings.Join(out, " ")
	}
	return "default-src 'none'; script-src " + hash("script") + "; style-src " + hash("style") +
		"; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}
