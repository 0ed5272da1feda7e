// Package compat proves the local exchange (package emulator) against
// official Binance client code. Its test runs the official JavaScript
// connector, @binance/spot pinned in js/package-lock.json, unmodified
// against an in-process exchange on 127.0.0.1 with an HMAC, an RSA and an
// Ed25519 key: server time, account, a LIMIT and a MARKET order, query and
// cancel.
//
// The connector lives in js/; install it once with
//
//	cd compat/js && npm ci
//
// (CI's .ci/run does this for every package-lock.json), then
//
//	go test ./compat/
//
// Without node or the installed connector the test skips on a developer's
// machine and fails when CI=true. The package has no code of its own.
package compat
