// Shared by ccxt-kucoin.mjs and ccxt-gate.mjs: runs one ccxt exchange class,
// unmodified except its URLs (every API URL's host is the local exchange's),
// through fetchTime, fetchBalance, createOrder (limit, below the market so
// it rests), fetchOrder and cancelOrder. One JSON line per step on stdout;
// the exit status is non-zero when any step fails.
//
// Environment: MBX_BASE_URL (loopback only), MBX_API_KEY, MBX_API_SECRET,
// MBX_API_PASSPHRASE (KuCoin), MBX_SYMBOL, MBX_LIMIT_PRICE, MBX_QUANTITY.

import { isLoopback, refusals } from './guard.mjs';

const { default: ccxt } = await import('ccxt');

const env = (name, def) => {
  const v = process.env[name];
  return v === undefined || v === '' ? def : v;
};
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

// pointAt replaces the scheme and host of every URL in ccxt's urls.api
// tree with base, keeping its path (Gate's URLs end in /api/v4).
const pointAt = (tree, base) => {
  for (const k of Object.keys(tree)) {
    if (typeof tree[k] === 'string') tree[k] = tree[k].replace(/^[a-z]+:\/\/[^/]+/i, base);
    else if (tree[k] && typeof tree[k] === 'object') pointAt(tree[k], base);
  }
};

export async function run(id, defaults) {
  const base = env('MBX_BASE_URL');
  if (!base || !env('MBX_API_KEY') || !env('MBX_API_SECRET')) {
    emit({ step: 'config', ok: false, error: 'set MBX_BASE_URL, MBX_API_KEY and MBX_API_SECRET' });
    process.exit(2);
  }
  if (!isLoopback(new URL(base).hostname)) {
    emit({ step: 'config', ok: false, error: `MBX_BASE_URL ${base} is not a loopback address` });
    process.exit(2);
  }
  const ex = new ccxt[id]({
    apiKey: env('MBX_API_KEY'),
    secret: env('MBX_API_SECRET'),
    password: env('MBX_API_PASSPHRASE'),
    timeout: 20000,
  });
  pointAt(ex.urls.api, base);
  const symbol = env('MBX_SYMBOL', defaults.symbol);
  const price = Number(env('MBX_LIMIT_PRICE', defaults.price));
  const amount = Number(env('MBX_QUANTITY', defaults.amount));

  let failed = false;
  const step = async (name, fn) => {
    try {
      const data = await fn();
      emit({ step: name, ok: true, data });
      return data;
    } catch (e) {
      failed = true;
      emit({ step: name, ok: false, error: String(e && e.message ? e.message : e), name: e && e.constructor ? e.constructor.name : '' });
      return undefined;
    }
  };
  await step('fetchTime', async () => ({ time: await ex.fetchTime() }));
  await step('fetchBalance', async () => {
    const b = await ex.fetchBalance();
    return { free: b.free, used: b.used, total: b.total };
  });
  const placed = await step('createOrder', async () => {
    const o = await ex.createOrder(symbol, 'limit', 'buy', amount, price);
    return { id: o.id, symbol: o.symbol };
  });
  if (placed) {
    await step('fetchOrder', async () => {
      const o = await ex.fetchOrder(placed.id, symbol);
      return { id: o.id, symbol: o.symbol, status: o.status, side: o.side, type: o.type, price: o.price, amount: o.amount, filled: o.filled };
    });
    await step('cancelOrder', async () => {
      const o = await ex.cancelOrder(placed.id, symbol);
      return { id: o.id };
    });
    await step('fetchOrder canceled', async () => {
      const o = await ex.fetchOrder(placed.id, symbol);
      return { id: o.id, status: o.status };
    });
  }
  if (refusals.length > 0) {
    emit({ step: 'guard', ok: false, error: refusals.join('; ') });
    failed = true;
  }
  process.exit(failed ? 1 : 0);
}
