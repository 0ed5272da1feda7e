package verify_test

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/sign"
)

func wsSign(t *testing.T, s sign.Signer, payload string) string {
	t.Helper()
	raw, err := s.AppendSign(nil, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	if s.Algorithm() == sign.HMACSHA256 {
		return hex.EncodeToString(raw)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// TestVerifyWS: the WebSocket API check answers as REST's does, in the same
// order, and names the WebSocket-specific mistakes.
func TestVerifyWS(t *testing.T) {
	hs, hk := keyFor(t, "hmac")
	es, ek := keyFor(t, "ed25519")
	base := func(extra ...verify.Param) []verify.Param {
		return append([]verify.Param{{Name: "symbol", Value: "这是测试币456"}, {Name: "apiKey", Value: "k"}, {Name: "timestamp", Value: testTS()}}, extra...)
	}
	signed := func(s sign.Signer, ps []verify.Param, payload string) []verify.Param {
		return append(ps, verify.Param{Name: "signature", Value: wsSign(t, s, payload)})
	}
	good := string(verify.WSPayload(base()))
	encoded := "apiKey=k&symbol=" + pct.Escape("这是测试币456") + "&timestamp=" + testTS()
	tests := []struct {
		name    string
		key     verify.Key
		ps      []verify.Param
		code    codes.Code
		mistake string
	}{
		{"valid HMAC", hk, signed(hs, base(), good), 0, ""},
		{"valid Ed25519", ek, signed(es, base(), good), 0, ""},
		{"no signature", hk, base(), codes.MandatoryParamEmpty, ""},
		{"HMAC signature not hex", hk, base(verify.Param{Name: "signature", Value: "zz"}), codes.IllegalChars, ""},
		{"Ed25519 signature to an HMAC key", hk, signed(es, base(), good), codes.IllegalChars, verify.MistakeWrongKeyType},
		{"no timestamp", hk, signed(hs, base()[:2], good), codes.MandatoryParamEmpty, ""},
		{"percent-encoded before signing", hk, signed(hs, base(), encoded), codes.InvalidSignature, verify.MistakeWSPercentEncoded},
		{"signed in the order sent", hk, signed(hs, base(), "symbol=这是测试币456&apiKey=k&timestamp="+testTS()), codes.InvalidSignature, verify.MistakeWSUnsorted},
		{"timestamp far behind", hk, signed(hs, []verify.Param{{Name: "apiKey", Value: "k"}, {Name: "timestamp", Value: "1000000000000"}}, "apiKey=k&timestamp=1000000000000"), codes.InvalidTimestamp, verify.MistakeClockBehind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rej := verify.VerifyWS(tt.ps, tt.key, verify.Options{ServerTime: testNow})
			if tt.code == 0 {
				if rej != nil {
					t.Fatalf("rejected: %v %+v", rej, rej.Explanation)
				}
				return
			}
			if rej == nil || rej.Code != tt.code || rej.HTTPStatus != http.StatusBadRequest {
				t.Fatalf("got %v, want %d", rej, tt.code)
			}
			if rej.Explanation == nil || rej.Explanation.Verdict == "" {
				t.Fatalf("no explanation: %+v", rej)
			}
			if got := ""; rej.Explanation.Mistake != nil {
				got = rej.Explanation.Mistake.ID
				if got != tt.mistake {
					t.Errorf("mistake %q, want %q", got, tt.mistake)
				}
			} else if tt.mistake != "" {
				t.Errorf("no mistake, want %q", tt.mistake)
			}
		})
	}
}

// TestVerifyWSAgreesWithREST: one check, one answer, for the checks both
// transports share.
func TestVerifyWSAgreesWithREST(t *testing.T) {
	_, hk := keyFor(t, "hmac")
	tests := []struct {
		name  string
		query string
		ps    []verify.Param
	}{
		{"signature not hex", "timestamp=" + testTS() + "&signature=zz", []verify.Param{{Name: "timestamp", Value: testTS()}, {Name: "signature", Value: "zz"}}},
		{"timestamp not a number", "timestamp=abc&signature=" + strings.Repeat("a", 64), []verify.Param{{Name: "timestamp", Value: "abc"}, {Name: "signature", Value: strings.Repeat("a", 64)}}},
		{"recvWindow over 60000", "timestamp=" + testTS() + "&recvWindow=60001&signature=" + strings.Repeat("a", 64), []verify.Param{{Name: "timestamp", Value: testTS()}, {Name: "recvWindow", Value: "60001"}, {Name: "signature", Value: strings.Repeat("a", 64)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rest := verify.Verify(request(tt.query, ""), hk, opts())
			ws := verify.VerifyWS(tt.ps, hk, opts())
			if rest == nil || ws == nil || rest.Code != ws.Code || rest.Msg != ws.Msg || rest.HTTPStatus != ws.HTTPStatus {
				t.Fatalf("REST %v, WebSocket %v", rest, ws)
			}
		})
	}
}

func TestCheckWSTiming(t *testing.T) {
	if rej := verify.CheckWSTiming([]verify.Param{{Name: "timestamp", Value: testTS()}}, testNow); rej != nil {
		t.Errorf("fresh timestamp: %v", rej)
	}
	if rej := verify.CheckWSTiming(nil, testNow); rej == nil || rej.Code != codes.MandatoryParamEmpty {
		t.Errorf("no timestamp: %v", rej)
	}
}

func FuzzVerifyWS(f *testing.F) {
	f.Add("timestamp", testTS(), "signature", strings.Repeat("a", 64))
	f.Add("timestamp", "1", "signature", "%2B")
	f.Add("recvWindow", "5000.5", "signature", "")
	_, hk := keyFor(f, "hmac")
	_, ek := keyFor(f, "ed25519")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		ps := []verify.Param{{Name: n1, Value: v1}, {Name: n2, Value: v2}, {Name: "timestamp", Value: testTS()}}
		for _, k := range []verify.Key{hk, ek} {
			rej := verify.VerifyWS(ps, k, opts())
			if rej == nil {
				continue
			}
			if rej.Explanation == nil || rej.Explanation.Code != int(rej.Code) || rej.HTTPStatus != http.StatusBadRequest {
				t.Fatalf("rejection %v with explanation %+v", rej, rej.Explanation)
			}
		}
	})
}
