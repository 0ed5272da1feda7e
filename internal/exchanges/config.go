package exchanges

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/secret"
	"gopkg.in/yaml.v3"
)

// maxConfig bounds a local exchange's config file: a few keys are a few
// kilobytes.
const maxConfig = 1 << 20

// LoadKeys reads the keys of a local exchange's YAML config:
//
//	keys:
//	  - api_key: my-key
//	    secret_file: secret.txt      # or secret: "..."
//	    passphrase_file: pass.txt    # or passphrase: "..." (OKX, KuCoin)
//	    permissions: [read, trade]
//	    balances: {USDT: "10000", BTC: "1"}
//
// Errors name the line and the field, never a value: a misplaced secret must
// not be echoed to a terminal.
func LoadKeys(path string) ([]exchange.EmulatorKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfig+1))
	if err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	if len(data) > maxConfig {
		return nil, fmt.Errorf("--config %s: larger than %d bytes", path, maxConfig)
	}
	return ParseKeys(data, filepath.Dir(path))
}

// ConfigError is a config mistake at a line, naming the field.
type ConfigError struct {
	Line  int
	Field string
	Msg   string
}

func (e *ConfigError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("config: %s: %s", e.Field, e.Msg)
	}
	return fmt.Sprintf("config line %d: %s: %s", e.Line, e.Field, e.Msg)
}

// ErrConfig is matched (errors.Is) by every config error.
var ErrConfig = errors.New("config error")

// Is makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// ParseKeys parses the YAML config; dir resolves relative *_file paths.
func ParseKeys(data []byte, dir string) ([]exchange.EmulatorKey, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		// yaml's syntax errors quote input; keep only the line.
		line := 0
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			_, _ = fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d", &line)
		}
		return nil, &ConfigError{Line: line, Field: "(file)", Msg: "not valid YAML"}
	}
	if len(root.Content) == 0 {
		return nil, &ConfigError{Field: "keys", Msg: "the file is empty; list at least one key"}
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, &ConfigError{Line: doc.Line, Field: "(top level)", Msg: "want a mapping with a keys: list"}
	}
	var keysNode *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if k.Value != "keys" {
			return nil, &ConfigError{Line: k.Line, Field: k.Value, Msg: "unknown field; the only top-level field is keys"}
		}
		keysNode = doc.Content[i+1]
	}
	if keysNode == nil || keysNode.Kind != yaml.SequenceNode || len(keysNode.Content) == 0 {
		line := doc.Line
		if keysNode != nil {
			line = keysNode.Line
		}
		return nil, &ConfigError{Line: line, Field: "keys", Msg: "want a list of keys"}
	}
	var out []exchange.EmulatorKey
	for _, kn := range keysNode.Content {
		k, err := parseKey(kn, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func scalar(field string, n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", &ConfigError{Line: n.Line, Field: field, Msg: "want a single value, not a list or mapping"}
	}
	return n.Value, nil
}

func parseKey(kn *yaml.Node, dir string) (exchange.EmulatorKey, error) {
	var k exchange.EmulatorKey
	if kn.Kind != yaml.MappingNode {
		return k, &ConfigError{Line: kn.Line, Field: "keys[]", Msg: "want a mapping with api_key and secret"}
	}
	var secretSet, passSet bool
	for i := 0; i+1 < len(kn.Content); i += 2 {
		name, val := kn.Content[i].Value, kn.Content[i+1]
		switch name {
		case "api_key":
			v, err := scalar(name, val)
			if err != nil {
				return k, err
			}
			k.APIKey = v
		case "secret", "passphrase":
			v, err := scalar(name, val)
			if err != nil {
				return k, err
			}
			if name == "secret" {
				k.Secret, secretSet = secret.FromString(v), true
			} else {
				k.Passphrase, passSet = secret.FromString(v), true
			}
		case "secret_file", "passphrase_file":
			v, err := scalar(name, val)
			if err != nil {
				return k, err
			}
			if !filepath.IsAbs(v) {
				v = filepath.Join(dir, v)
			}
			b, err := creds.ReadSecretFile(v)
			if err != nil {
				return k, &ConfigError{Line: val.Line, Field: name, Msg: err.Error()}
			}
			b = []byte(strings.TrimRight(string(b), "\r\n"))
			if name == "secret_file" {
				k.Secret, secretSet = secret.New(b), true
			} else {
				k.Passphrase, passSet = secret.New(b), true
			}
		case "permissions":
			if val.Kind != yaml.SequenceNode {
				return k, &ConfigError{Line: val.Line, Field: name, Msg: "want a list, e.g. [read, trade]"}
			}
			for _, p := range val.Content {
				v, err := scalar(name, p)
				if err != nil {
					return k, err
				}
				k.Permissions = append(k.Permissions, v)
			}
		case "balances":
			if val.Kind != yaml.MappingNode {
				return k, &ConfigError{Line: val.Line, Field: name, Msg: `want a mapping of asset to amount, e.g. {USDT: "10000"}`}
			}
			k.Balances = map[string]string{}
			for j := 0; j+1 < len(val.Content); j += 2 {
				v, err := scalar("balances."+val.Content[j].Value, val.Content[j+1])
				if err != nil {
					return k, err
				}
				k.Balances[val.Content[j].Value] = v
			}
		default:
			return k, &ConfigError{Line: kn.Content[i].Line, Field: name, Msg: "unknown field; use api_key, secret, secret_file, passphrase, passphrase_file, permissions, balances"}
		}
	}
	switch {
	case k.APIKey == "":
		return k, &ConfigError{Line: kn.Line, Field: "api_key", Msg: "missing"}
	case !secretSet || k.Secret.IsZero():
		return k, &ConfigError{Line: kn.Line, Field: "secret", Msg: "missing: give secret or secret_file"}
	case passSet && k.Passphrase.IsZero():
		return k, &ConfigError{Line: kn.Line, Field: "passphrase", Msg: "empty"}
	}
	return k, nil
}
