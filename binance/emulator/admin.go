package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/secret"
)

// The admin API, under /mbx/admin/, answers only loopback clients (403
// otherwise), and only requests a web page cannot forge (see adminGuard):
// a Host that is a loopback name or address, no Origin but the exchange's
// own, and Content-Type application/json on every request that changes
// state. Bodies and answers are JSON; errors are {"error": "..."}; API keys
// in recent entries are masked (secret.MaskKey).
//
//	GET    /mbx/admin/state          {"serverTime":ms,"clockSkew":"3s","latency":"0s","faults":[...],"keys":[...]}
//	POST   /mbx/admin/clock          {"skew":"-3s"}                 -> state
//	POST   /mbx/admin/latency        {"latency":"250ms"}            -> state
//	GET    /mbx/admin/faults                                        -> [Fault...]
//	POST   /mbx/admin/faults         Fault (kind, count, path, method, status, process) -> Fault with id
//	DELETE /mbx/admin/faults                                        -> []
//	POST   /mbx/admin/price          {"symbol":"BTCUSDT","price":"59000"} -> PriceUpdate
//	POST   /mbx/admin/reset                                         -> {"reset":true}
//	GET    /mbx/admin/counters                                      -> Counters
//	POST   /mbx/admin/limits/reset                                  -> Counters
//	GET    /mbx/admin/recent[?limit=N][&id=ID]                      -> [Entry...] newest first
//	POST   /mbx/admin/keys/permissions {"apiKey":"...","permissions":["USER_DATA"]} -> KeyInfo

type adminState struct {
	ServerTime  int64     `json:"serverTime"`
	ClockSkew   string    `json:"clockSkew"`
	ClockSkewMs int64     `json:"clockSkewMs"`
	Latency     string    `json:"latency"`
	Faults      []Fault   `json:"faults"`
	Keys        []KeyInfo `json:"keys"`
	Endpoints   []string  `json:"endpoints"`
}

func (s *Server) state() adminState {
	skew := s.faults.clockSkew()
	return adminState{ServerTime: s.ServerTime().UnixMilli(), ClockSkew: skew.String(), ClockSkewMs: skew.Milliseconds(),
		Latency: s.faults.delay().String(), Faults: s.Faults(), Keys: s.Keys(), Endpoints: s.Endpoints()}
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func adminError(w http.ResponseWriter, status int, format string, args ...any) {
	adminJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// decodeAdmin reads a small JSON body strictly.
func decodeAdmin(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty body; send a JSON object")
		}
		return fmt.Errorf("bad JSON body: %v", err)
	}
	return nil
}

func parseDuration(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a duration; write e.g. 3s, -1500ms or 0s", name, v)
	}
	return d, nil
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if ip, _ := remoteAddr(r); !ip.IsLoopback() {
		adminError(w, http.StatusForbidden, "the admin API answers loopback clients only")
		return
	}
	if status, msg := adminGuard(r); status != 0 {
		adminError(w, status, "%s", msg)
		return
	}
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/mbx/admin"), "/")
	switch r.Method + " " + path {
	case "GET /state", "GET ":
		adminJSON(w, http.StatusOK, s.state())
	case "POST /clock":
		var body struct {
			Skew string `json:"skew"`
		}
		if err := decodeAdmin(r, &body); err != nil {
			adminError(w, http.StatusBadRequest, "%v", err)
			return
		}
		d, err := parseDuration("skew", body.Skew)
		if err == nil && (d < -24*time.Hour || d > 24*time.Hour) {
			err = fmt.Errorf("skew %v is beyond ±24h", d)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, "%v", err)
			return
		}
		s.SetClockSkew(d)
		adminJSON(w, http.StatusOK, s.state())
	case "POST /latency":
		var body struct {
			Latency string `json:"latency"`
		}
		if err := decodeAdmin(r, &body); err != nil {
			adminError(w, http.StatusBadRequest, "%v", err)
			return
		}
		d, err := parseDuration("latency", body.Latency)
		if err == nil && (d < 0 || d > time.Minute) {
			err = fmt.Errorf("latency %v must be between 0s and 1m", d)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, "%v", err)
			return
		}
		s.SetLatency(d)
		adminJSON(w, http.StatusOK, s.state())
	case "GET /faults":
		adminJSON(w, http.StatusOK, s.Faults())
	case "POST /faults":
		var f Fault
		if err := decodeAdmin(r, &f); err != nil {
			adminError(w, http.StatusBadRequest, "%v", err)
			return
		}
		if f.ID != 0 {
			adminError(w, http.StatusBadRequest, "id is assigned by the exchange; leave it out")
			return
		}
		out, err := s.AddFault(f)
		if err != nil {
			adminError(w, http.StatusBadRequest, "fault: %v", err)
			return
		}
		adminJSON(w, http.StatusOK, out)
	case "DELETE /faults":
		s.ClearFaults()
		adminJSON(w, http.StatusOK, []Fault{})
	case "POST /price":
		var body struct {
			Symbol string `json:"symbol"`
			Price  string `json:"price"`
		}
		if err := decodeAdmin(r, &body); err != nil {
			adminError(w, http.StatusBadRequest, "%v", err)
			return
		}
		p, err := decimal.NewFromString(body.Price)
		if err != nil {
			adminError(w, http.StatusBadRequest, "price %q is not a decimal; send it as a string, e.g. \"59000.5\"", body.Price)
			return
		}
		up, err := s.SetPrice(context.WithoutCancel(r.Context()), body.Symbol, p)
		if err != nil {
			status := http.StatusBadRequest
			if !errors.Is(err, ErrUnknownSymbol) && p.IsPositive() {
				status = http.StatusInternalServerError
			}
			adminError(w, status, "%v", err)
			return
		}
		adminJSON(w, http.StatusOK, up)
	case "POST /reset":
		if err := s.Reset(context.WithoutCancel(r.Context())); err != nil {
			adminError(w, http.StatusInternalServerError, "%v", err)
			return
		}
		adminJSON(w, http.StatusOK, map[string]bool{"reset": true})
	case "GET /counters":
		adminJSON(w, http.StatusOK, s.Counters())
	case "POST /limits/reset":
		s.ResetLimits()
		adminJSON(w, http.StatusOK, s.Counters())
	case "GET /recent":
		s.adminRecent(w, r)
	case "POST /keys/permissions":
		s.adminKeyPermissions(w, r)
	default:
		adminError(w, http.StatusNotFound, "no admin endpoint %s %s; see the emulator package documentation", r.Method, r.URL.Path)
	}
}

func (s *Server) adminRecent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if v := q.Get("id"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			adminError(w, http.StatusBadRequest, "id %q is not a request id", v)
			return
		}
		e, ok := s.Lookup(id)
		if !ok {
			adminError(w, http.StatusNotFound, "request %d is not among the last %d", id, RecentSize)
			return
		}
		adminJSON(w, http.StatusOK, []Entry{maskEntry(e)})
		return
	}
	limit := RecentSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			adminError(w, http.StatusBadRequest, "limit %q: want a positive number", v)
			return
		}
		limit = min(n, RecentSize)
	}
	all := s.Recent()
	out := make([]Entry, 0, min(limit, len(all)))
	for i := len(all) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, maskEntry(all[i]))
	}
	adminJSON(w, http.StatusOK, out)
}

// adminGuard refuses what a hostile web page can send to a loopback server:
// a Host that is not loopback (DNS rebinding: the page's own name resolved
// to 127.0.0.1), an Origin other than the exchange's own (a cross-site
// fetch or form), and a state-changing request without a JSON content type
// (a form or text/plain POST needs no CORS preflight; application/json does,
// and the admin API answers no preflight). It returns 0 when the request
// may proceed.
func adminGuard(r *http.Request) (int, string) {
	if !loopbackHost(r.Host) {
		return http.StatusForbidden, "the admin API answers requests addressed to localhost, 127.0.0.0/8 or [::1] only (Host is not a loopback name or address)"
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.EqualFold(u.Host, r.Host) {
			return http.StatusForbidden, "the admin API refuses cross-origin requests (the Origin header is not this exchange)"
		}
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return 0, ""
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return http.StatusUnsupportedMediaType, "send Content-Type: application/json with every admin request that changes state"
	}
	return 0, ""
}

// loopbackHost reports whether a Host header (host or host:port) names the
// loopback interface: localhost, an address in 127.0.0.0/8 or ::1.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// maskEntry masks the API key of a recent entry, as the inspector does.
// The account is named after the key unless the config names it.
func maskEntry(e Entry) Entry {
	if e.Account == e.APIKey {
		e.Account = secret.MaskKey(e.Account)
	}
	e.APIKey = secret.MaskKey(e.APIKey)
	return e
}
