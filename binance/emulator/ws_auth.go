package emulator

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
)

// authenticate checks a SIGNED method as Binance does on the WebSocket
// API: an explicit apiKey and signature over the sorted raw payload, or,
// on a logged-on connection, the session's key with only timestamp. The
// checks and their order are REST's (package verify): apiKey, key, IP,
// signature syntax, timestamp, recvWindow, signature, timing, permission.
func (c *wsConn) authenticate(q *reqCtx, m *wsMethod) *verify.Rejection {
	if m.ep.security == secNone {
		return nil
	}
	apiKey, hasKey := q.get("apiKey")
	_, hasSig := q.get("signature")
	if !hasKey && !hasSig && !m.logon && c.session != nil {
		k := c.session.key
		q.key, q.entry.Account = k, k.account
		return verify.CheckWSTiming(q.params, q.now)
	}
	if !hasKey || apiKey == "" {
		rej := mandatory("apiKey")
		rej.Explanation.Verdict = "no apiKey in params"
		if c.session == nil && !m.logon {
			rej.Explanation.Notes = append(rej.Explanation.Notes,
				"this connection is not logged on: put apiKey and signature in params, or log on first with session.logon (Ed25519 keys only)")
		}
		return rej
	}
	if err := validAPIKey(apiKey); err != nil || apiKey != strings.TrimSpace(apiKey) {
		why := "has surrounding whitespace"
		if err != nil {
			why = err.Error()
		}
		return rejection(http.StatusUnauthorized, codes.BadAPIKeyFmt, codes.MsgBadAPIKeyFmt, "apiKey "+why,
			"send the API key (not the secret) exactly as shown on the API Management page")
	}
	k := c.s.comp.byKey[apiKey]
	if k == nil {
		return rejection(http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey,
			"no key with this apiKey is configured on this exchange",
			"check for a key from another environment (testnet, production), a truncated paste, or key and secret swapped")
	}
	q.key, q.entry.Account = k, k.account
	q.entry.APIKey = k.cfg.APIKey
	if !k.allows(c.ip) {
		return rejection(http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey,
			fmt.Sprintf("request from %s, which is outside the key's ip_whitelist %v", c.ipStr, k.cfg.IPWhitelist),
			"add the client's egress address to the key's ip_whitelist")
	}
	if rej := verify.VerifyWS(q.params, verify.Key{APIKey: k.cfg.APIKey, Verifier: k.verifier}, verify.Options{ServerTime: q.now}); rej != nil {
		return rej
	}
	if m.ep.perm != "" && !k.perms.has(m.ep.perm) {
		return rejection(http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey,
			fmt.Sprintf("signature valid, but the key lacks the %s permission %s needs (it has %s)", m.ep.perm, m.name, strings.Join(k.permList(), ", ")),
			fmt.Sprintf("add %s to the key's permissions in the exchange config", m.ep.perm))
	}
	return nil
}
