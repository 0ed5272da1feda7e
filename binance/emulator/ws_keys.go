package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// ErrUnknownKey is returned by SetKeyPermissions for a key not configured.
var ErrUnknownKey = errors.New("unknown API key")

// SetKeyPermissions replaces a key's permissions at run time, as changing
// them on Binance's API Management page does: REST requests see the new
// set at once, and a WebSocket API session logged on with the key is
// revoked on its next request (401, -2015) when the key lost a permission
// it had. Reset restores the configured permissions.
func (s *Server) SetKeyPermissions(apiKey string, perms []string) error {
	k := s.comp.byKey[apiKey]
	if k == nil {
		return fmt.Errorf("emulator: set permissions: %w %q; configured keys: %s", ErrUnknownKey, apiKey, strings.Join(s.apiKeys(), ", "))
	}
	for i, p := range perms {
		if !slices.Contains(knownPermissions(), p) {
			return fmt.Errorf("emulator: set permissions: permissions[%d] %q is not a permission; use %s", i, p, strings.Join(knownPermissions(), ", "))
		}
	}
	k.perms.set(perms)
	return nil
}

func (s *Server) apiKeys() []string {
	out := make([]string, 0, len(s.comp.keys))
	for _, k := range s.comp.keys {
		out = append(out, k.cfg.APIKey)
	}
	return out
}

// resetKeyPermissions gives every key its configured permissions back.
func (s *Server) resetKeyPermissions() {
	for _, k := range s.comp.keys {
		k.perms.set(k.cfg.Permissions)
	}
}

// adminKeyPermissions is POST /mbx/admin/keys/permissions
// {"apiKey":"...","permissions":["USER_DATA"]}: it answers the key's new
// KeyInfo.
func (s *Server) adminKeyPermissions(w http.ResponseWriter, r *http.Request) {
	var body struct {
		APIKey      string   `json:"apiKey"`
		Permissions []string `json:"permissions"`
	}
	if err := decodeAdmin(r, &body); err != nil {
		adminError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if body.Permissions == nil {
		adminError(w, http.StatusBadRequest, `permissions is missing; send a list, e.g. {"apiKey":"...","permissions":["USER_DATA"]} ([] removes every permission)`)
		return
	}
	if err := s.SetKeyPermissions(body.APIKey, body.Permissions); err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrUnknownKey) {
			status = http.StatusNotFound
		}
		adminError(w, status, "%v", err)
		return
	}
	for _, k := range s.Keys() {
		if k.APIKey == body.APIKey {
			adminJSON(w, http.StatusOK, k)
			return
		}
	}
}
