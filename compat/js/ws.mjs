// Runs the official Binance JavaScript connector's WebSocket API client
// (@binance/spot, its websocketAPI), unmodified, against an mbx local
// exchange: connect, server time, session.logon and session.status (Ed25519
// keys; other key types sign every request), place a LIMIT order, query it,
// cancel it, and optionally place and cancel an order on a non-ASCII symbol.
// One JSON line per step on stdout; the exit status is non-zero when any step
// fails.
//
// Environment:
//   MBX_WS_URL            the exchange's WebSocket API, e.g. ws://127.0.0.1:8765/ws-api/v3 (loopback only)
//   MBX_API_KEY           the API key
//   MBX_API_SECRET        the HMAC secret, or
//   MBX_PRIVATE_KEY_FILE  a PEM RSA or Ed25519 private key
//   MBX_SYMBOL            default BTCUSDT
//   MBX_LIMIT_PRICE       default 30000 (below the market, so the order rests)
//   MBX_QUANTITY          default 0.001
//   MBX_NON_ASCII_SYMBOL  e.g. 这是测试币456: also place (at MBX_NON_ASCII_PRICE,
//                         default 1.5, quantity 1) and cancel an order on it
//
// Run by compat/ws_test.go; by hand: cd compat/js && npm ci && node ws.mjs

import crypto from 'node:crypto';
import fs from 'node:fs';
import { isLoopback, refusals } from './guard.mjs';

// stdout carries only the step lines: the connector's own log lines
// (console.info by default) go to stderr.
process.env.LOG_LEVEL ??= 'warn';
for (const level of ['log', 'info', 'debug']) console[level] = (...a) => console.error(...a);

const { Spot, SpotWebsocketAPI } = await import('@binance/spot');

const env = (name, def) => {
  const v = process.env[name];
  return v === undefined || v === '' ? def : v;
};
// JSON lines; the connector parses big integers as BigInt.
const emit = (obj) => process.stdout.write(JSON.stringify(obj, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');

const wsURL = env('MBX_WS_URL');
const apiKey = env('MBX_API_KEY');
const apiSecret = env('MBX_API_SECRET');
const privateKey = env('MBX_PRIVATE_KEY_FILE');
if (!wsURL || !apiKey || (!apiSecret && !privateKey)) {
  emit({ step: 'config', ok: false, error: 'set MBX_WS_URL, MBX_API_KEY and MBX_API_SECRET or MBX_PRIVATE_KEY_FILE' });
  process.exit(2);
}
if (!isLoopback(new URL(wsURL).hostname)) {
  emit({ step: 'config', ok: false, error: `MBX_WS_URL ${wsURL} is not a loopback address` });
  process.exit(2);
}
const symbol = env('MBX_SYMBOL', 'BTCUSDT');
const limitPrice = Number(env('MBX_LIMIT_PRICE', '30000'));
const quantity = Number(env('MBX_QUANTITY', '0.001'));
const nonASCII = env('MBX_NON_ASCII_SYMBOL');
const nonASCIIPrice = Number(env('MBX_NON_ASCII_PRICE', '1.5'));
const keyType = privateKey ? crypto.createPrivateKey(fs.readFileSync(privateKey, 'utf-8')).asymmetricKeyType : 'hmac';

// As the connector's README shows: apiKey with apiSecret (HMAC) or with
// privateKey (RSA, Ed25519), and wsURL. The timeout is raised from the
// default 5s for slow CI machines.
const configurationWebsocketAPI = { apiKey, wsURL, timeout: 10000 };
if (privateKey) configurationWebsocketAPI.privateKey = privateKey;
else configurationWebsocketAPI.apiSecret = apiSecret;
const client = new Spot({ configurationWebsocketAPI });

let failed = false;
async function step(name, call, pick) {
  try {
    let res = await call();
    // Session requests answer one response per pooled connection.
    if (Array.isArray(res)) res = res[0];
    emit({ step: name, ok: true, rateLimits: res?.rateLimits, data: pick(res?.data) });
    return res?.data;
  } catch (err) {
    failed = true;
    // A WebSocket API error is the frame's error object: {code, msg[, data]}.
    emit({ step: name, ok: false, error: String(err?.msg ?? err?.message ?? err), code: err?.code ?? null });
    return null;
  }
}

const order = (o) => o && {
  symbol: o.symbol, orderId: o.orderId, clientOrderId: o.clientOrderId, origClientOrderId: o.origClientOrderId,
  side: o.side, type: o.type, status: o.status, price: o.price, origQty: o.origQty, executedQty: o.executedQty,
};
const session = (s) => s && { apiKey: s.apiKey, authorizedSince: s.authorizedSince, connectedSince: s.connectedSince };

let connection;
try {
  connection = await client.websocketAPI.connect();
  emit({ step: 'connect', ok: true, data: { keyType } });
} catch (err) {
  emit({ step: 'connect', ok: false, error: String(err?.message ?? err) });
  process.exit(1);
}

await step('time', () => connection.time(), (d) => ({ serverTime: d.serverTime }));
if (keyType === 'ed25519') {
  await step('session.logon', () => connection.sessionLogon(), session);
  await step('session.status', () => connection.sessionStatus(), session);
}
const placed = await step('order.place', () => connection.orderPlace({
  symbol,
  side: SpotWebsocketAPI.OrderPlaceSideEnum.BUY,
  type: SpotWebsocketAPI.OrderPlaceTypeEnum.LIMIT,
  timeInForce: SpotWebsocketAPI.OrderPlaceTimeInForceEnum.GTC,
  quantity,
  price: limitPrice,
}), order);
if (placed) {
  await step('order.status', () => connection.orderStatus({ symbol, orderId: placed.orderId }), order);
  await step('order.cancel', () => connection.orderCancel({ symbol, orderId: placed.orderId }), order);
} else {
  failed = true;
  emit({ step: 'order.status', ok: false, error: 'skipped: order.place failed' });
  emit({ step: 'order.cancel', ok: false, error: 'skipped: order.place failed' });
}
if (nonASCII) {
  const p = await step('order.place non-ASCII', () => connection.orderPlace({
    symbol: nonASCII,
    side: SpotWebsocketAPI.OrderPlaceSideEnum.BUY,
    type: SpotWebsocketAPI.OrderPlaceTypeEnum.LIMIT,
    timeInForce: SpotWebsocketAPI.OrderPlaceTimeInForceEnum.GTC,
    quantity: 1,
    price: nonASCIIPrice,
  }), order);
  if (p) await step('order.cancel non-ASCII', () => connection.orderCancel({ symbol: nonASCII, orderId: p.orderId }), order);
}

try {
  await connection.disconnect();
} catch (err) {
  failed = true;
  emit({ step: 'disconnect', ok: false, error: String(err?.message ?? err) });
}
for (const r of refusals) emit({ step: 'network', ok: false, error: r });
process.exit(failed || refusals.length > 0 ? 1 : (process.exitCode ?? 0));
