package reqparse

import (
	"net/http"
	"strings"

	"github.com/mbxkit/mbx/pct"
)

// curlOpt describes one curl option mbx explain understands or skips.
type curlOpt struct {
	long  string
	short byte
	value bool // takes an argument
}

// curlOptions lists curl's options: those that shape the request, and those
// that take an argument (so the argument is not mistaken for the URL).
// Options missing here are taken as flags without an argument, with a note.
func curlOptions() []curlOpt {
	valued := []curlOpt{
		{"request", 'X', true}, {"header", 'H', true}, {"data", 'd', true}, {"data-ascii", 0, true},
		{"data-raw", 0, true}, {"data-binary", 0, true}, {"data-urlencode", 0, true}, {"json", 0, true},
		{"url", 0, true}, {"url-query", 0, true}, {"request-target", 0, true}, {"form", 'F', true},
		{"form-string", 0, true}, {"upload-file", 'T', true}, {"user-agent", 'A', true}, {"referer", 'e', true},
		{"cookie", 'b', true}, {"cookie-jar", 'c', true}, {"output", 'o', true}, {"write-out", 'w', true},
		{"max-time", 'm', true}, {"connect-timeout", 0, true}, {"proxy", 'x', true}, {"user", 'u', true},
		{"config", 'K', true}, {"cert", 'E', true}, {"key", 0, true}, {"cacert", 0, true}, {"capath", 0, true},
		{"retry", 0, true}, {"retry-delay", 0, true}, {"retry-max-time", 0, true}, {"resolve", 0, true},
		{"connect-to", 0, true}, {"interface", 0, true}, {"range", 'r', true}, {"limit-rate", 0, true},
		{"max-redirs", 0, true}, {"max-filesize", 0, true}, {"dump-header", 'D', true}, {"proxy-user", 'U', true},
		{"proxy-header", 0, true}, {"cert-type", 0, true}, {"key-type", 0, true}, {"pass", 0, true},
		{"ciphers", 0, true}, {"tls-max", 0, true}, {"keepalive-time", 0, true}, {"expect100-timeout", 0, true},
		{"output-dir", 0, true}, {"unix-socket", 0, true}, {"abstract-unix-socket", 0, true},
		{"dns-servers", 0, true}, {"local-port", 0, true}, {"speed-limit", 'Y', true}, {"speed-time", 'y', true},
		{"time-cond", 'z', true}, {"trace", 0, true}, {"trace-ascii", 0, true}, {"stderr", 0, true},
		{"variable", 0, true}, {"aws-sigv4", 0, true}, {"oauth2-bearer", 0, true}, {"netrc-file", 0, true},
		{"pinnedpubkey", 0, true}, {"preproxy", 0, true}, {"socks5", 0, true}, {"socks5-hostname", 0, true},
		{"noproxy", 0, true}, {"happy-eyeballs-timeout-ms", 0, true}, {"continue-at", 'C', true},
		{"ftp-port", 'P', true}, {"quote", 'Q', true}, {"telnet-option", 't', true}, {"proto", 0, true},
		{"proto-redir", 0, true}, {"parallel-max", 0, true}, {"rate", 0, true}, {"etag-save", 0, true},
		{"etag-compare", 0, true}, {"alt-svc", 0, true}, {"hsts", 0, true}, {"ip-tos", 0, true},
	}
	flags := []curlOpt{
		{"get", 'G', false}, {"head", 'I', false}, {"globoff", 'g', false}, {"silent", 's', false},
		{"show-error", 'S', false}, {"verbose", 'v', false}, {"include", 'i', false}, {"insecure", 'k', false},
		{"location", 'L', false}, {"fail", 'f', false}, {"no-buffer", 'N', false}, {"disable", 'q', false},
		{"junk-session-cookies", 'j', false}, {"list-only", 'l', false}, {"netrc", 'n', false},
		{"proxytunnel", 'p', false}, {"remote-time", 'R', false}, {"remote-name", 'O', false},
		{"remote-header-name", 'J', false}, {"parallel", 'Z', false}, {"http1.0", '0', false},
		{"tlsv1", '1', false}, {"ipv4", '4', false}, {"ipv6", '6', false}, {"progress-bar", '#', false},
		{"append", 'a', false}, {"use-ascii", 'B', false}, {"manual", 'M', false}, {"version", 'V', false},
		{"help", 'h', false}, {"compressed", 0, false}, {"fail-with-body", 0, false}, {"http1.1", 0, false},
		{"http2", 0, false}, {"http2-prior-knowledge", 0, false}, {"http3", 0, false}, {"http3-only", 0, false},
		{"no-keepalive", 0, false}, {"tcp-nodelay", 0, false}, {"raw", 0, false}, {"tr-encoding", 0, false},
		{"path-as-is", 0, false}, {"no-progress-meter", 0, false}, {"digest", 0, false}, {"basic", 0, false},
		{"ntlm", 0, false}, {"anyauth", 0, false}, {"negotiate", 0, false}, {"create-dirs", 0, false},
		{"location-trusted", 0, false}, {"netrc-optional", 0, false}, {"ssl", 0, false}, {"ssl-reqd", 0, false},
		{"http0.9", 0, false}, {"post301", 0, false}, {"post302", 0, false}, {"post303", 0, false},
		{"no-sessionid", 0, false}, {"styled-output", 0, false}, {"no-styled-output", 0, false},
		{"fail-early", 0, false}, {"retry-connrefused", 0, false}, {"retry-all-errors", 0, false},
		{"tlsv1.2", 0, false}, {"tlsv1.3", 0, false}, {"sslv2", '2', false}, {"sslv3", '3', false},
	}
	return append(valued, flags...)
}

// curlState collects a curl command's request.
type curlState struct {
	r        *Request
	method   string
	head     bool
	get      bool
	globoff  bool
	urls     []string
	data     []string // -d and friends, joined with '&'
	jsonData bool     // --json was used
	urlQuery []string
	target   string // --request-target
	unknown  []string
}

// ParseCurl reads a curl command line as bash would split it: -X/--request,
// -H/--header, -d/--data/--data-ascii/--data-binary, --data-raw,
// --data-urlencode (which percent-encodes its content, as curl does),
// --json, -G/--get, --url, --url-query, -I/--head, and quoted arguments
// ('...', "...", $'...'), backslash-newline continuations and combined
// short flags (-sSX POST). Options that read a file (-d @file, -T, -F) are
// refused with what to paste instead.
func ParseCurl(cmd string) (*Request, error) {
	if len(cmd) > MaxInput {
		return nil, errorf(FormatCurl, "the command is %d bytes, more than the %d bytes a request can be", len(cmd), MaxInput)
	}
	s := strings.TrimLeft(cmd, " \t\r\n")
	s = strings.TrimPrefix(s, "$ ")
	sh, err := splitShell(s)
	if err != nil {
		return nil, err
	}
	if len(sh.words) == 0 || !isCurlCommand(sh.words[0]) {
		return nil, errorf(FormatCurl, "the command does not start with curl; paste the whole command line, starting with curl")
	}
	st := &curlState{r: &Request{Format: FormatCurl, Header: http.Header{}}}
	if err := st.options(sh.words[1:]); err != nil {
		return nil, err
	}
	return st.build(sh)
}

func findOpt(opts []curlOpt, long string, short byte) (curlOpt, bool) {
	for _, o := range opts {
		if (long != "" && o.long == long) || (short != 0 && o.short == short) {
			return o, true
		}
	}
	return curlOpt{}, false
}

func (st *curlState) options(words []string) error {
	opts := curlOptions()
	for i := 0; i < len(words); i++ {
		w := words[i]
		next := func(name string) (string, error) {
			if i+1 >= len(words) {
				return "", errorf(FormatCurl, "option %s needs a value; add it after the option", name)
			}
			i++
			return words[i], nil
		}
		switch {
		case w == "--":
			st.urls = append(st.urls, words[i+1:]...)
			return nil
		case strings.HasPrefix(w, "--"):
			name, val, hasVal := strings.Cut(w[2:], "=")
			o, ok := findOpt(opts, name, 0)
			if !ok {
				if n, isNo := strings.CutPrefix(name, "no-"); isNo {
					if o2, ok2 := findOpt(opts, n, 0); ok2 && !o2.value {
						if n == "globoff" {
							st.globoff = false
						}
						continue
					}
				}
				st.unknown = append(st.unknown, "--"+name)
				continue
			}
			if !o.value {
				st.flag(o)
				continue
			}
			if !hasVal {
				v, err := next("--" + name)
				if err != nil {
					return err
				}
				val = v
			}
			if err := st.apply(o, "--"+name, val); err != nil {
				return err
			}
		case strings.HasPrefix(w, "-") && len(w) > 1:
			for j := 1; j < len(w); j++ {
				o, ok := findOpt(opts, "", w[j])
				if !ok {
					st.unknown = append(st.unknown, "-"+string(w[j]))
					continue
				}
				if !o.value {
					st.flag(o)
					continue
				}
				val := w[j+1:]
				if val == "" {
					v, err := next("-" + string(w[j]))
					if err != nil {
						return err
					}
					val = v
				}
				if err := st.apply(o, "-"+string(w[j]), val); err != nil {
					return err
				}
				break
			}
		default:
			st.urls = append(st.urls, w)
		}
	}
	return nil
}

func (st *curlState) flag(o curlOpt) {
	switch o.long {
	case "get":
		st.get = true
	case "head":
		st.head = true
	case "globoff":
		st.globoff = true
	}
}

// apply handles an option with a value.
func (st *curlState) apply(o curlOpt, name, val string) error {
	switch o.long {
	case "request":
		st.method = val
	case "header":
		return st.header(val)
	case "data", "data-ascii", "data-binary":
		if strings.HasPrefix(val, "@") {
			return errorf(FormatCurl, "%s %s reads the body from a file, which mbx cannot see; paste the body instead: --data-raw 'a=1&b=2'", name, snippet(val))
		}
		st.data = append(st.data, val)
	case "data-raw":
		st.data = append(st.data, val)
	case "data-urlencode":
		v, err := urlencodeArg(name, val)
		if err != nil {
			return err
		}
		st.data = append(st.data, v)
	case "json":
		if strings.HasPrefix(val, "@") {
			return errorf(FormatCurl, "%s %s reads the body from a file, which mbx cannot see; paste the JSON instead: --json '{...}'", name, snippet(val))
		}
		if st.jsonData && len(st.data) > 0 {
			// curl concatenates repeated --json pieces with no separator.
			st.data[len(st.data)-1] += val
		} else {
			st.data = append(st.data, val)
		}
		st.jsonData = true
		if st.r.Header.Get("Content-Type") == "" {
			st.r.Header.Set("Content-Type", "application/json")
		}
		if st.r.Header.Get("Accept") == "" {
			st.r.Header.Set("Accept", "application/json")
		}
	case "url":
		st.urls = append(st.urls, val)
	case "url-query":
		v, err := urlQueryArg(name, val)
		if err != nil {
			return err
		}
		st.urlQuery = append(st.urlQuery, v)
	case "request-target":
		st.target = val
	case "form", "form-string":
		return errorf(FormatCurl, "%s sends a multipart/form-data body, which Binance's REST API does not read; send the parameters with -d 'a=1&b=2' (form-urlencoded)", name)
	case "upload-file":
		return errorf(FormatCurl, "%s uploads a file, which mbx cannot see; paste the body with --data-raw instead", name)
	case "config":
		return errorf(FormatCurl, "%s reads more options from a file, which mbx cannot see; paste the options into the command line", name)
	}
	return nil
}

// header adds one -H value: "Name: value", "Name;" (an empty header) or
// "Name:" (curl then removes a header it would add itself).
func (st *curlState) header(h string) error {
	if strings.HasPrefix(h, "@") {
		return errorf(FormatCurl, "-H %s reads headers from a file, which mbx cannot see; give each header with -H 'Name: value'", snippet(h))
	}
	name, val, ok := strings.Cut(h, ":")
	if !ok {
		if n, isEmpty := strings.CutSuffix(strings.TrimSpace(h), ";"); isEmpty && isToken(n) {
			st.r.Header.Add(n, "")
			return nil
		}
		return errorf(FormatCurl, "-H %s is not a header: want -H 'Name: value'", snippet(h))
	}
	name = strings.TrimSpace(name)
	if !isToken(name) {
		return errorf(FormatCurl, "-H %s: %s is not a header name", snippet(h), snippet(name))
	}
	val = strings.Trim(val, " \t")
	if val == "" {
		st.r.Header.Del(name)
		return nil
	}
	if strings.EqualFold(name, "Content-Type") || strings.EqualFold(name, "Accept") {
		st.r.Header.Set(name, val) // a later one replaces what --json set
		return nil
	}
	st.r.Header.Add(name, val)
	return nil
}

// urlencodeArg applies curl's --data-urlencode rules: "content" and
// "=content" encode content; "name=content" encodes content only;
// "@file" and "name@file" read a file (refused here).
func urlencodeArg(opt, v string) (string, error) {
	eq := strings.IndexByte(v, '=')
	at := strings.IndexByte(v, '@')
	switch {
	case at >= 0 && (eq < 0 || at < eq):
		return "", errorf(FormatCurl, "%s %s reads a file, which mbx cannot see; paste the value instead: %s 'name=value'", opt, snippet(v), opt)
	case eq == 0:
		return pct.Escape(v[1:]), nil
	case eq > 0:
		return v[:eq] + "=" + pct.Escape(v[eq+1:]), nil
	}
	return pct.Escape(v), nil
}

// urlQueryArg applies curl's --url-query rules: like --data-urlencode, and a
// leading '+' adds the rest as it is.
func urlQueryArg(opt, v string) (string, error) {
	if rest, ok := strings.CutPrefix(v, "+"); ok {
		return rest, nil
	}
	return urlencodeArg(opt, v)
}

func (st *curlState) build(sh shellResult) (*Request, error) {
	r := st.r
	switch len(st.urls) {
	case 0:
		return nil, errorf(FormatCurl, "the command has no URL; add the request's URL, e.g. 'https://api.binance.com/api/v3/account?...'")
	case 1:
	default:
		return nil, errorf(FormatCurl, "the command has %d URLs (%s, %s, ...); mbx explains one request at a time: keep the failing one", len(st.urls), snippet(st.urls[0]), snippet(st.urls[1]))
	}
	u := st.urls[0]
	if err := checkURLBytes(FormatCurl, u); err != nil {
		return nil, err
	}
	r.Scheme, r.Host, r.Path, r.RawQuery = splitTarget(u)
	if r.Host == "" {
		return nil, errorf(FormatCurl, "the URL %s has no host; give the whole URL, e.g. https://api.binance.com/api/v3/account", snippet(u))
	}
	if r.Scheme == "" {
		r.Scheme = "http"
		r.note("The URL has no scheme: curl uses http:// then.")
	}
	if st.target != "" {
		r.Path, r.RawQuery, _ = strings.Cut(st.target, "?")
		r.note("--request-target replaced the path and query sent.")
	}
	for _, q := range st.urlQuery {
		r.RawQuery = joinAmp(r.RawQuery, q)
	}
	body := strings.Join(st.data, "&")
	hasData := len(st.data) > 0
	switch {
	case st.get && hasData:
		r.RawQuery = joinAmp(r.RawQuery, body)
		r.note("-G moved the data into the query string.")
	case hasData:
		r.Body = []byte(body)
		if r.Header.Get("Content-Type") == "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	switch {
	case st.method != "":
		r.Method = st.method
	case st.head:
		r.Method = http.MethodHead
	case hasData && !st.get:
		r.Method = http.MethodPost
	default:
		r.Method = http.MethodGet
	}
	if !isToken(r.Method) {
		return nil, errorf(FormatCurl, "-X %s is not an HTTP method; use GET, POST, PUT or DELETE", snippet(r.Method))
	}
	if r.Method != strings.ToUpper(r.Method) {
		r.note("The method %s is sent as written; Binance expects upper case (%s).", r.Method, strings.ToUpper(r.Method))
	}
	if !st.globoff && strings.ContainsAny(u, "[]{}") {
		r.note("The URL holds [ ] { }, which curl expands as globs and refuses unless -g (--globoff) is given; read as if -g were given.")
	}
	if sh.rest != "" {
		switch sh.operator {
		case "&":
			r.note("An unquoted '&' ended the command: a shell runs curl with everything before it, so the request sent stops there (the rest, %s, never reached the exchange). Quote the URL and data with single quotes.", snippet(sh.rest))
		case "\n":
			r.note("A line break without a trailing backslash ended the command; the following lines (%s) were not part of it.", snippet(sh.rest))
		default:
			r.note("The command ended at %q; what followed (%s) is not part of the request.", sh.operator, snippet(sh.rest))
		}
	}
	for _, v := range sh.vars {
		r.note("The shell variable %s was not expanded (there is no shell here); its name is read literally. Paste the command as your shell ran it (e.g. from `set -x` output), or the raw request from a log.", v)
	}
	if sh.cmdSubst {
		r.note("A command substitution $(...) or `...` was not run; its text is read literally. Paste the command as your shell ran it.")
	}
	if len(st.unknown) > 0 {
		r.note("Options mbx does not know were taken as flags without a value: %s.", strings.Join(st.unknown, " "))
	}
	r.noteURL()
	return r, nil
}

// joinAmp appends part to a query string with '&', as curl does.
func joinAmp(q, part string) string {
	if q == "" {
		return part
	}
	return q + "&" + part
}
