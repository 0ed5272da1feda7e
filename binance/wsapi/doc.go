// Package wsapi is mbx's Binance WebSocket API client (spot,
// wss://ws-api.binance.com/ws-api/v3): one connection, calls pipelined and
// matched to their answers by id, signed with the WebSocket API's own rule,
// kept alive across drops, and sharing the REST client's clock, weight
// governor, error types and no-duplicate order guarantee.
//
// # Signing
//
// A SIGNED request carries apiKey, timestamp, recvWindow and signature
// inside params; the signature covers every parameter but signature,
// apiKey included, sorted by name and joined as name=value with raw UTF-8
// values — no percent-encoding, the opposite of REST (binance/payload.WS
// builds it). With an Ed25519 key, Options.Logon authenticates the
// connection once with session.logon; signed requests then carry only
// timestamp (and recvWindow). Binance accepts session.logon only with
// Ed25519 keys, so Dial refuses Logon with an HMAC or RSA key
// (ErrLogonKeyType) unless Options.LogonFallback asks to sign every request
// instead.
//
// # Errors
//
// An error answer is a *binance.APIError with Method "WS" and Path the
// method name, so errors.Is(err, binance.ErrInvalidSignature),
// ErrTimestamp, ErrKeyPermission, ErrRateLimited, ErrBanned and
// ErrUnknownStatus work as for REST. A call without an answer is a
// *TransportError; it matches binance.ErrUnknownStatus when the request
// was sent. A -1021 resyncs the clock and retries once.
//
// # Contexts
//
// Every call honours its context. Ending it stops the wait, not the
// request: when it was already sent, the error matches
// binance.ErrUnknownStatus (and the context's error), and an order may
// exist. A call whose request was still queued when its context ended is
// never sent.
//
// # Reconnecting
//
// When the connection drops, calls that were sent fail with an error
// matching binance.ErrUnknownStatus; calls not yet sent wait and go out on
// the next connection. A new connection is dialed in the background with
// full-jitter exponential backoff (ReconnectPolicy), pays the connection
// weight, and logs on again when the client was logged on. PlaceOrder turns
// an unknown outcome into certainty: it queries order.status by the
// order's client id on the new connection and sends the order again only
// on -2013.
//
// # Rate limits
//
// Each call reserves its documented weight (and order count) in the
// governor before anything is sent, a connection costs 2 (spot). The
// rateLimits counts of every answer raise the governor's counters, and the
// limits they state replace the governor's own. A 429 or 418 answer blocks
// the host until its retryAfter (error.data.retryAfter, ms since the
// epoch): until then nothing is sent, REST included when the governor is
// shared, and calls fail with errors matching binance.ErrRateLimited or
// binance.ErrBanned.
//
// # Choices where Binance's behaviour is unconfirmed
//
//   - Integer-typed parameters (timestamp, integer recvWindow, orderId, ...)
//     go as JSON numbers, as in Binance's examples; everything else as JSON
//     strings. The signed text is the same digits either way.
//   - An answer with "id": null and status 401 (session revoked, -2015)
//     marks the connection logged off; the next signed call logs on again
//     once and reports the server's answer if that fails.
//   - Request ids are "mbx-N", counting up per Client across connections,
//     so a late answer can never be matched to another request.
//   - Read-only calls are not retried after a drop (they fail with
//     ErrUnknownStatus like every sent call); PlaceOrder's lookup retries.
//   - Sending uses no write deadline; a client ping every 30s (PingTimeout
//     10s) replaces a connection that stopped answering.
package wsapi
