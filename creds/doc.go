// Package creds reads Binance credentials: named profiles in a creds.yml
// file, or environment variables for containers, and checks their format
// before any request is sent.
//
// # File format
//
// A credentials file is YAML with a default profile name and a map of
// profiles:
//
//	default: main
//	profiles:
//	  main:
//	    api_key: vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A
//	    secret: NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j  # or secret_file: /path
//	    env: prod          # prod | testnet | demo
//	    recv_window: 5s    # a Go duration or milliseconds (5000); at most 60s
//	  ed:
//	    api_key: 4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO
//	    key_file: ~/.mbx/keys/ed25519.pem
//	    passphrase: env:MBX_PASSPHRASE   # or file:/path, prompt (the default) or none
//	    base_url: http://127.0.0.1:8765  # overrides env, e.g. the local exchange
//
// The fields of a profile are exchange, api_key, secret, secret_file,
// key_file, passphrase, env, base_url and recv_window. exchange names the
// exchange the key belongs to; the names known are the caller's
// (LoadWith's LoadOptions.Exchanges, which the CLI fills from its exchange
// registry), and a profile without one gets LoadOptions.DefaultExchange. A profile holds at most one of
// secret (inline HMAC secret), secret_file (a file holding the HMAC secret) and
// key_file (a PEM private key, RSA or Ed25519, possibly encrypted PKCS#8, or a
// file holding an HMAC secret). Paths may start with ~/ and relative paths are
// taken from the directory of the credentials file. Without env and base_url
// a profile talks to production.
//
// An unknown field is an error that names the field and its line: a
// misspelt secret_file would otherwise leave a profile silently without its
// key.
//
// # Permissions
//
// Like ssh, Load refuses a credentials file that group or others may read,
// write or execute, and Profile.Signer refuses such a key, secret or
// passphrase file; the error gives the chmod that fixes it. (The check is
// skipped on Windows, where file modes do not describe access.)
//
// # Environment
//
// FromEnv builds a profile from MBX_API_KEY, MBX_API_SECRET or MBX_KEY_FILE
// (with MBX_KEY_PASSPHRASE), MBX_ENV, MBX_BASE_URL and MBX_RECV_WINDOW, and
// Profile.WithEnv lays the same variables over a profile from a file.
//
// # Secrets
//
// Secrets are held in secret.Value from the moment they are parsed. A Profile
// and a File print, log and marshal with the secret redacted and the API key
// masked (MaskKey); errors and findings name fields, lines, byte positions and
// paths, never key material. Key files are read only when a signer is made,
// so a broken profile you do not use does not stop the others.
package creds
