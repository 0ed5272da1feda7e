package localex

// SecretVariant is a way a client may have read its secret wrongly: the
// bytes it then signed with, and what to fix.
type SecretVariant struct {
	Name   string // what the client did, in a user's words
	Secret []byte
}

// SecretVariants are the secret as the server knows it first ("" name),
// then with the mistakes people make when they paste or load it: a trailing
// newline (a file written by echo), CRLF (a file saved on Windows), the
// quotes of a .env or JSON value, surrounding spaces.
func SecretVariants(secret []byte) []SecretVariant {
	with := func(pre, post string) []byte {
		out := make([]byte, 0, len(secret)+len(pre)+len(post))
		out = append(out, pre...)
		out = append(out, secret...)
		return append(out, post...)
	}
	return []SecretVariant{
		{Name: "", Secret: secret},
		{Name: "the secret was signed with a trailing newline (\\n): strip it when loading the key file", Secret: with("", "\n")},
		{Name: "the secret was signed with a trailing CRLF (\\r\\n): strip it when loading the key file", Secret: with("", "\r\n")},
		{Name: "the secret was signed with its surrounding quotes: remove the quotes from the value", Secret: with("\"", "\"")},
		{Name: "the secret was signed with a trailing space: trim it", Secret: with("", " ")},
	}
}
