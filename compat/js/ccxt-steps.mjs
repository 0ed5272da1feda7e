// Shared steps of the ccxt compatibility scripts (ccxt-bybit.mjs,
// ccxt-okx.mjs, ccxt-kucoin.mjs, ccxt-gate.mjs): fetchTime, fetchBalance, createOrder (limit, resting below
// the market), fetchOrder and cancelOrder, one JSON line per step on stdout.
// The exchange class is ccxt's own, unmodified; only its URLs point at the
// local exchange on 127.0.0.1.

import { isLoopback, refusals } from './guard.mjs';

const env = (name, def) => {
  const v = process.env[name];
  return v === undefined || v === '' ? def : v;
};
export const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

// config reads MBX_BASE_URL, MBX_API_KEY, MBX_API_SECRET (and MBX_API_PASSPHRASE
// where the exchange has one) and refuses a non-loopback URL.
export function config(needPassphrase) {
  const c = {
    baseURL: env('MBX_BASE_URL'), apiKey: env('MBX_API_KEY'), secret: env('MBX_API_SECRET'),
    password: env('MBX_API_PASSPHRASE'), symbol: env('MBX_SYMBOL', 'BTC/USDT'),
    price: Number(env('MBX_LIMIT_PRICE', '30000')), amount: Number(env('MBX_QUANTITY', '0.001')),
  };
  if (!c.baseURL || !c.apiKey || !c.secret || (needPassphrase && !c.password)) {
    emit({ step: 'config', ok: false, error: 'set MBX_BASE_URL, MBX_API_KEY, MBX_API_SECRET' + (needPassphrase ? ' and MBX_API_PASSPHRASE' : '') });
    process.exit(2);
  }
  if (!isLoopback(new URL(c.baseURL).hostname)) {
    emit({ step: 'config', ok: false, error: `MBX_BASE_URL ${c.baseURL} is not a loopback address` });
    process.exit(2);
  }
  return c;
}

// pointAt replaces the scheme and host of every URL in ccxt's urls.api
// tree with base, keeping its path (Gate's URLs end in /api/v4).
export function pointAt(tree, base) {
  for (const k of Object.keys(tree)) {
    if (typeof tree[k] === 'string') tree[k] = tree[k].replace(/^[a-z]+:\/\/[^/]+/i, base);
    else if (tree[k] && typeof tree[k] === 'object') pointAt(tree[k], base);
  }
}

const order = (o) => o && { id: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, type: o.type, side: o.side, status: o.status, price: o.price, amount: o.amount, filled: o.filled };

// run performs the five steps with ex; orderParams are passed to fetchOrder
// (ccxt's bybit asks unified accounts to acknowledge its 500-order limit).
export async function run(ex, c, fetchOrderParams = {}) {
  let failed = false;
  async function step(name, call, pick) {
    try {
      const res = await call();
      emit({ step: name, ok: true, data: pick(res) });
      return res;
    } catch (err) {
      failed = true;
      emit({ step: name, ok: false, error: String(err?.message ?? err), name: err?.constructor?.name });
      return null;
    }
  }
  await step('fetchTime', () => ex.fetchTime(), (t) => ({ time: t }));
  await step('fetchBalance', () => ex.fetchBalance(), (b) => ({ free: b.free, used: b.used, total: b.total }));
  const placed = await step('createOrder', () => ex.createOrder(c.symbol, 'limit', 'buy', c.amount, c.price), order);
  if (placed) {
    await step('fetchOrder', () => ex.fetchOrder(placed.id, c.symbol, fetchOrderParams), order);
    await step('cancelOrder', () => ex.cancelOrder(placed.id, c.symbol), order);
    await step('fetchOrder after cancel', () => ex.fetchOrder(placed.id, c.symbol, fetchOrderParams), order);
  } else {
    failed = true;
    for (const s of ['fetchOrder', 'cancelOrder', 'fetchOrder after cancel']) emit({ step: s, ok: false, error: 'skipped: createOrder failed' });
  }
  for (const r of refusals) emit({ step: 'network', ok: false, error: r });
  if (failed || refusals.length > 0) process.exitCode = 1;
}
