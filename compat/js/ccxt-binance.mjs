// Runs ccxt (pinned in package.json), unmodified and with default options,
// against an mbx local exchange: only the entries of urls.api are pointed at
// it. Two classes: `binance` (spot) and `binanceusdm` (USDⓈ-M futures). One
// JSON line per step on stdout; the exit status is non-zero when any step
// fails.
//
// Environment:
//   MBX_BASE_URL    the exchange, e.g. http://127.0.0.1:8765 (loopback only)
//   MBX_API_KEY     the API key
//   MBX_API_SECRET  the HMAC secret
//   MBX_CLASS       binance (default) or binanceusdm
//   MBX_SYMBOL      default BTC/USDT (binance) or BTC/USDT:USDT (binanceusdm)
//
// Run by compat/ccxt_test.go; by hand: cd compat/js && npm ci && node ccxt-binance.mjs

import { isLoopback, refusals } from './guard.mjs';

const { default: ccxt } = await import('ccxt');

const env = (name, def) => {
  const v = process.env[name];
  return v === undefined || v === '' ? def : v;
};
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

const base = env('MBX_BASE_URL');
const apiKey = env('MBX_API_KEY');
const secret = env('MBX_API_SECRET');
const cls = env('MBX_CLASS', 'binance');
if (!base || !apiKey || !secret) {
  emit({ step: 'config', ok: false, error: 'set MBX_BASE_URL, MBX_API_KEY and MBX_API_SECRET' });
  process.exit(2);
}
if (!isLoopback(new URL(base).hostname)) {
  emit({ step: 'config', ok: false, error: `MBX_BASE_URL ${base} is not a loopback address` });
  process.exit(2);
}
if (cls !== 'binance' && cls !== 'binanceusdm') {
  emit({ step: 'config', ok: false, error: `MBX_CLASS ${cls}: want binance or binanceusdm` });
  process.exit(2);
}
const symbol = env('MBX_SYMBOL', cls === 'binance' ? 'BTC/USDT' : 'BTC/USDT:USDT');

const exchange = new ccxt[cls]({ apiKey, secret });
// The only change to the client: every REST URL goes to the local exchange,
// keeping its path (https://api.binance.com/api/v3 -> http://127.0.0.1:port/api/v3).
for (const [name, url] of Object.entries(exchange.urls.api)) {
  if (typeof url === 'string') exchange.urls.api[name] = base + new URL(url).pathname;
}

let failed = false;
async function step(name, call, pick) {
  try {
    const res = await call();
    emit({ step: name, ok: true, data: pick(res) });
    return res;
  } catch (err) {
    failed = true;
    emit({ step: name, ok: false, error: String(err?.message ?? err).slice(0, 2000), name: err?.constructor?.name });
    return null;
  }
}

const order = (o) => o && {
  id: o.id, symbol: o.symbol, type: o.type, side: o.side, status: o.status, price: o.price,
  amount: o.amount, filled: o.filled, cost: o.cost, trades: (o.trades ?? []).length,
  fee: o.fee ?? null,
};

const markets = await step('loadMarkets', () => exchange.loadMarkets(), (m) => ({
  count: Object.keys(m).length,
  has: m[symbol] ? { id: m[symbol].id, type: m[symbol].type, precision: m[symbol].precision, limits: m[symbol].limits } : null,
}));
if (!markets || !markets[symbol]) failed = true;
await step('fetchTicker', () => exchange.fetchTicker(symbol), (t) => ({
  symbol: t.symbol, last: t.last, bid: t.bid, ask: t.ask, high: t.high, low: t.low, baseVolume: t.baseVolume,
}));
await step('fetchOrderBook', () => exchange.fetchOrderBook(symbol, 5), (b) => ({
  bids: b.bids.slice(0, 5), asks: b.asks.slice(0, 5), nonce: b.nonce,
}));
await step('fetchOHLCV', () => exchange.fetchOHLCV(symbol, '1m', undefined, 10), (c) => ({ candles: c }));
await step('fetchBalance', () => exchange.fetchBalance(), (b) => ({ USDT: b.USDT ?? null, BTC: b.BTC ?? null }));

const ticker = await exchange.fetchTicker(symbol).catch(() => null);
const last = ticker?.last ?? 60000;
const restingPrice = exchange.priceToPrecision(symbol, last * 0.8);
const limit = await step('createOrder limit', () => exchange.createOrder(symbol, 'limit', 'buy', 0.001, restingPrice), order);
const mkt = await step('createOrder market', () => exchange.createOrder(symbol, 'market', 'buy', 0.001), order);
if (limit) {
  await step('fetchOrder', () => exchange.fetchOrder(limit.id, symbol), order);
  await step('fetchOpenOrders', () => exchange.fetchOpenOrders(symbol), (l) => ({ ids: l.map((o) => o.id) }));
} else {
  failed = true;
}
await step('fetchOrders', () => exchange.fetchOrders(symbol), (l) => ({ ids: l.map((o) => o.id), statuses: l.map((o) => o.status) }));
await step('fetchMyTrades', () => exchange.fetchMyTrades(symbol), (l) => ({
  trades: l.map((t) => ({ id: t.id, order: t.order, price: t.price, amount: t.amount, side: t.side, fee: t.fee })),
}));
if (limit) {
  await step('cancelOrder', () => exchange.cancelOrder(limit.id, symbol), order);
}
if (mkt === null) failed = true;

for (const r of refusals) emit({ step: 'network', ok: false, error: r });
if (failed || refusals.length > 0) process.exitCode = 1;
