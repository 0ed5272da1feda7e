package reqparse

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// shellResult is one simple command split into words as a POSIX shell
// (bash) would, without running anything.
type shellResult struct {
	words []string
	// rest is what followed a control operator (; | & or a line break)
	// that ended the command, trimmed; "" when the command used all input.
	rest     string
	operator string // the operator that ended the command
	vars     []string
	cmdSubst bool
}

// splitShell splits the first command of s into words: single quotes,
// double quotes (with \" \\ \$ \` escapes), $'...' ANSI-C quoting,
// backslash escapes and backslash-newline continuations. Shell variables
// and command substitutions are kept as literal text (there is no shell to
// expand them) and reported. Redirections (> file, 2>&1) are dropped.
func splitShell(s string) (shellResult, error) {
	var res shellResult
	var buf strings.Builder
	inWord := false
	skipNext := false // the next word is a redirection target
	end := func() {
		if inWord {
			if skipNext {
				skipNext = false
			} else {
				res.words = append(res.words, buf.String())
			}
		}
		buf.Reset()
		inWord = false
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			end()
			i++
		case c == '\\':
			switch {
			case strings.HasPrefix(s[i+1:], "\r\n"):
				i += 3
			case i+1 < len(s) && s[i+1] == '\n':
				i += 2
			case i+1 < len(s):
				_, n := utf8.DecodeRuneInString(s[i+1:])
				buf.WriteString(s[i+1 : i+1+n])
				inWord = true
				i += 1 + n
			default:
				buf.WriteByte('\\')
				inWord = true
				i++
			}
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n', c == '\n', c == ';', c == '|', c == '&':
			end()
			if len(res.words) == 0 && (c == '\n' || c == '\r') {
				i++ // blank lines before the command
				continue
			}
			op := string(c)
			if c == '\r' {
				op = "\n"
			}
			res.operator = op
			res.rest = strings.TrimSpace(s[i:])
			if c == '&' && strings.HasPrefix(s[i:], "&>") {
				res.rest = "" // &>file redirects output; the command goes on
				res.operator = ""
				skipNext = true
				i += 2
				continue
			}
			if strings.TrimLeft(res.rest, ";&|\r\n \t") == "" {
				res.rest = "" // a trailing ; or & ends the command with nothing after it
			}
			return res, nil
		case c == '>' || c == '<':
			// A redirection: "2>" names a descriptor, ">&1" duplicates one.
			if inWord && isDigits(buf.String()) {
				buf.Reset()
				inWord = false
			}
			end()
			i++
			for i < len(s) && (s[i] == '>' || s[i] == '&' || s[i] == '|') {
				i++
			}
			if i < len(s) && s[i] >= '0' && s[i] <= '9' && i > 0 && s[i-1] == '&' {
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					i++
				}
				continue
			}
			skipNext = true
		case c == '#' && !inWord:
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				i = len(s)
			} else {
				i += nl
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return res, errorf(FormatCurl, "a single quote at byte %d is never closed; close it, or paste the whole command", i)
			}
			buf.WriteString(s[i+1 : i+1+j])
			inWord = true
			i += j + 2
		case c == '"':
			n, err := res.doubleQuoted(s, i, &buf)
			if err != nil {
				return res, err
			}
			inWord = true
			i = n
		case c == '$' && i+1 < len(s) && s[i+1] == '\'':
			n, err := ansiC(s, i+2, &buf)
			if err != nil {
				return res, err
			}
			inWord = true
			i = n
		case c == '$' && i+1 < len(s) && s[i+1] == '"':
			i++ // $"..." is a translatable string: the same bytes as "..."
		case c == '$' || c == '`':
			n := res.expansion(s, i)
			buf.WriteString(s[i:n])
			inWord = true
			i = n
		default:
			buf.WriteByte(c)
			inWord = true
			i++
		}
	}
	end()
	return res, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// doubleQuoted reads "..." starting at s[i] == '"' and returns the index
// after the closing quote.
func (res *shellResult) doubleQuoted(s string, i int, buf *strings.Builder) (int, error) {
	start := i
	i++
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\' && i+1 < len(s):
			switch s[i+1] {
			case '$', '`', '"', '\\':
				buf.WriteByte(s[i+1])
				i += 2
			case '\n':
				i += 2
			default:
				buf.WriteByte('\\')
				i++
			}
		case c == '$' || c == '`':
			n := res.expansion(s, i)
			buf.WriteString(s[i:n])
			i = n
		default:
			buf.WriteByte(c)
			i++
		}
	}
	return 0, errorf(FormatCurl, "a double quote at byte %d is never closed; close it, or paste the whole command", start)
}

// expansion records the variable or command substitution at s[i] and
// returns where it ends; the caller keeps its text literally.
func (res *shellResult) expansion(s string, i int) int {
	if s[i] == '`' {
		res.cmdSubst = true
		if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
			return i + j + 2
		}
		return len(s)
	}
	j := i + 1
	switch {
	case j < len(s) && s[j] == '(':
		res.cmdSubst = true
		depth := 0
		for ; j < len(s); j++ {
			switch s[j] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(s)
	case j < len(s) && s[j] == '{':
		if k := strings.IndexByte(s[j:], '}'); k >= 0 {
			res.vars = append(res.vars, s[i:j+k+1])
			return j + k + 1
		}
		return len(s)
	}
	for j < len(s) && (s[j] == '_' || 'a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z' || j > i+1 && '0' <= s[j] && s[j] <= '9') {
		j++
	}
	if j > i+1 {
		res.vars = append(res.vars, s[i:j])
	}
	return j
}

// ansiC reads the body of $'...' from s[i] and returns the index after the
// closing quote.
func ansiC(s string, i int, buf *strings.Builder) (int, error) {
	start := i - 2
	for i < len(s) {
		c := s[i]
		if c == '\'' {
			return i + 1, nil
		}
		if c != '\\' || i+1 >= len(s) {
			buf.WriteByte(c)
			i++
			continue
		}
		e := s[i+1]
		i += 2
		switch e {
		case 'a':
			buf.WriteByte('\a')
		case 'b':
			buf.WriteByte('\b')
		case 'e', 'E':
			buf.WriteByte(0x1b)
		case 'f':
			buf.WriteByte('\f')
		case 'n':
			buf.WriteByte('\n')
		case 'r':
			buf.WriteByte('\r')
		case 't':
			buf.WriteByte('\t')
		case 'v':
			buf.WriteByte('\v')
		case '\\', '\'', '"', '?':
			buf.WriteByte(e)
		case 'x', 'u', 'U':
			maxDigits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			n := 0
			for n < maxDigits && i+n < len(s) && isHex(s[i+n]) {
				n++
			}
			if n == 0 {
				buf.WriteByte('\\')
				buf.WriteByte(e)
				continue
			}
			v, _ := strconv.ParseUint(s[i:i+n], 16, 32)
			i += n
			if e == 'x' {
				buf.WriteByte(byte(v))
			} else {
				buf.WriteRune(rune(v))
			}
		case 'c':
			if i < len(s) {
				buf.WriteByte(s[i] & 0x1f)
				i++
			}
		default:
			if '0' <= e && e <= '7' {
				v := int(e - '0')
				for n := 0; n < 2 && i < len(s) && '0' <= s[i] && s[i] <= '7'; n++ {
					v = v*8 + int(s[i]-'0')
					i++
				}
				buf.WriteByte(byte(v))
				continue
			}
			buf.WriteByte('\\')
			buf.WriteByte(e)
		}
	}
	return 0, errorf(FormatCurl, "a $'...' string at byte %d is never closed; close it, or paste the whole command", start)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
