package reqparse

import (
	"errors"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// shellResult is one simple command split into words as a POSIX shell
// (bash) would, without running anything.
type shellResult struct {
	words []string
	// rest is what followed a control operator (; | & && or a line break)
	// that ended the command, trimmed; "" when the command used all input.
	rest     string
	operator string // the operator that ended the command
	vars     []string
	cmdSubst bool
}

// splitShell reads the first command of s with bash's grammar
// (mvdan.cc/sh/v3/syntax), so a pasted curl line splits exactly as a shell
// would split it: '...', "..." with its escapes, $'...' ANSI-C quoting,
// backslash escapes, continuations and nested quotes. Nothing runs: shell
// variables and command substitutions are kept as their literal text and
// reported, and redirections (> file, 2>&1) are dropped.
func splitShell(s string) (shellResult, error) {
	var res shellResult
	// A command copied on Windows ends its lines with CR LF; the shell it
	// was written for read each as one line end.
	src := strings.ReplaceAll(s, "\r\n", "\n")
	// The parser refuses bytes that are not UTF-8, which bash takes as they
	// are (a Latin-1 byte pasted from a log): they travel through it as
	// private-use runes and come back as themselves.
	var mapped bool
	if !utf8.ValidString(src) {
		if strings.ContainsFunc(src, isByteRune) {
			return res, errorf(FormatCurl, "the command mixes bytes that are not UTF-8 with the characters U+F780..U+F7FF; paste the raw HTTP request instead")
		}
		src, mapped = protectBytes(src), true
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		var pe syntax.ParseError
		if errors.As(err, &pe) {
			if strings.Contains(pe.Text, "without closing quote") {
				return res, errorf(FormatCurl, "a quote opened near byte %d is never closed (%s); close it, or paste the whole command", pe.Pos.Offset(), pe.Text)
			}
			return res, errorf(FormatCurl, "the command is not valid shell syntax at byte %d: %s; paste the command as you ran it", pe.Pos.Offset(), pe.Text)
		}
		return res, errorf(FormatCurl, "the command is not valid shell syntax: %v", err)
	}
	if len(f.Stmts) == 0 {
		return res, nil
	}
	st := f.Stmts[0]
	// The curl of `curl ... | jq` or `curl ... && echo` is the leftmost
	// command of its pipeline or list.
	cmd := st.Cmd
	for {
		b, ok := cmd.(*syntax.BinaryCmd)
		if !ok {
			break
		}
		res.operator = b.Op.String()
		res.rest = strings.TrimSpace(src[b.OpPos.Offset():])
		cmd = b.X.Cmd
	}
	if res.operator == "" {
		switch {
		case st.Background && st.Semicolon.IsValid():
			res.operator, res.rest = "&", strings.TrimSpace(src[st.Semicolon.Offset():])
		case st.Semicolon.IsValid():
			res.operator, res.rest = ";", strings.TrimSpace(src[st.Semicolon.Offset():])
		case len(f.Stmts) > 1:
			res.operator, res.rest = "\n", strings.TrimSpace(src[st.End().Offset():])
		}
		if strings.TrimLeft(res.rest, ";&|\n \t") == "" {
			res.rest = "" // a trailing ; or & ends the command with nothing after it
		}
	}
	call, ok := cmd.(*syntax.CallExpr)
	if !ok {
		return res, nil
	}
	for _, w := range call.Args {
		var b strings.Builder
		res.word(src, w.Parts, false, &b)
		res.words = append(res.words, b.String())
	}
	if mapped {
		for i := range res.words {
			res.words[i] = restoreBytes(res.words[i])
		}
		for i := range res.vars {
			res.vars[i] = restoreBytes(res.vars[i])
		}
		res.rest = restoreBytes(res.rest)
	}
	return res, nil
}

// byteRune0 is the first of the 128 private-use runes that stand for the
// bytes 0x80..0xFF that are not part of valid UTF-8.
const byteRune0 = 0xF780

func isByteRune(r rune) bool { return r >= byteRune0 && r < byteRune0+0x80 }

func protectBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(byteRune0 + rune(s[i]-0x80))
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func restoreBytes(s string) string {
	if !strings.ContainsFunc(s, isByteRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isByteRune(r) {
			b.WriteByte(byte(r-byteRune0) + 0x80)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// word writes the text a shell gives the parts of a word, expansions kept
// as their source text.
func (res *shellResult) word(src string, parts []syntax.WordPart, quoted bool, b *strings.Builder) {
	for _, p := range parts {
		switch x := p.(type) {
		case *syntax.Lit:
			unescape(b, x.Value, quoted)
		case *syntax.SglQuoted:
			if !x.Dollar {
				b.WriteString(x.Value)
				continue
			}
			// $'...': expand.Format decodes the ANSI-C escapes (\n, \x41,
			// \u00e9, \'); with no arguments it leaves '%' as it is. Bash
			// ends the string at a NUL byte.
			v, _, err := expand.Format(nil, x.Value, nil)
			if err != nil {
				v = x.Value
			}
			v, _, _ = strings.Cut(v, "\x00")
			b.WriteString(v)
		case *syntax.DblQuoted:
			res.word(src, x.Parts, true, b)
		case *syntax.ParamExp:
			t := src[x.Pos().Offset():x.End().Offset()]
			res.vars = append(res.vars, t)
			b.WriteString(t)
		case *syntax.CmdSubst:
			res.cmdSubst = true
			b.WriteString(src[x.Pos().Offset():x.End().Offset()])
		default:
			// Arithmetic, process substitution, globs: no shell here to
			// run them; their text is read as it is.
			b.WriteString(src[p.Pos().Offset():p.End().Offset()])
		}
	}
}

// unescape removes the backslashes a shell removes from a literal: every
// one outside quotes; inside double quotes only those before $ ` " \ and
// a line break. A backslash before a line break joins the lines.
func unescape(b *strings.Builder, s string, quoted bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		n := s[i+1]
		switch {
		case n == '\n':
			i++
		case !quoted || n == '$' || n == '`' || n == '"' || n == '\\':
			b.WriteByte(n)
			i++
		default:
			b.WriteByte(c)
		}
	}
}
