// Runs the official Binance JavaScript connector (@binance/spot), unmodified,
// against an mbx local exchange: server time, account, a LIMIT and a MARKET
// order, query the LIMIT one, cancel it. One JSON line per step on stdout;
// the exit status is non-zero when any step fails.
//
// Environment:
//   MBX_BASE_URL          the exchange, e.g. http://127.0.0.1:8765 (loopback only)
//   MBX_API_KEY           the API key
//   MBX_API_SECRET        the HMAC secret, or
//   MBX_PRIVATE_KEY_FILE  a PEM RSA or Ed25519 private key
//   MBX_SYMBOL            default BTCUSDT
//   MBX_LIMIT_PRICE       default 30000 (below the market, so the order rests)
//   MBX_QUANTITY          default 0.001
//
// Run by compat/compat_test.go; by hand: cd compat/js && npm ci && node spot.mjs

import { isLoopback, refusals } from './guard.mjs';

const { Spot, SpotRestAPI } = await import('@binance/spot');

const env = (name, def) => {
  const v = process.env[name];
  return v === undefined || v === '' ? def : v;
};
// JSON lines; the connector parses big integers as BigInt.
const emit = (obj) => process.stdout.write(JSON.stringify(obj, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');

const basePath = env('MBX_BASE_URL');
const apiKey = env('MBX_API_KEY');
const apiSecret = env('MBX_API_SECRET');
const privateKey = env('MBX_PRIVATE_KEY_FILE');
if (!basePath || !apiKey || (!apiSecret && !privateKey)) {
  emit({ step: 'config', ok: false, error: 'set MBX_BASE_URL, MBX_API_KEY and MBX_API_SECRET or MBX_PRIVATE_KEY_FILE' });
  process.exit(2);
}
if (!isLoopback(new URL(basePath).hostname)) {
  emit({ step: 'config', ok: false, error: `MBX_BASE_URL ${basePath} is not a loopback address` });
  process.exit(2);
}
const symbol = env('MBX_SYMBOL', 'BTCUSDT');
const limitPrice = Number(env('MBX_LIMIT_PRICE', '30000'));
const quantity = Number(env('MBX_QUANTITY', '0.001'));

// As the connector's README shows: apiKey with apiSecret (HMAC) or with
// privateKey (RSA, Ed25519; a PEM text or a file path), and basePath. The
// timeout is raised from the default 1s for slow CI machines.
const configurationRestAPI = { apiKey, basePath, timeout: 10000 };
if (privateKey) configurationRestAPI.privateKey = privateKey;
else configurationRestAPI.apiSecret = apiSecret;
const client = new Spot({ configurationRestAPI });

let failed = false;
async function step(name, call, pick) {
  try {
    const res = await call();
    const data = await res.data();
    emit({ step: name, ok: true, status: res.status, rateLimits: res.rateLimits, data: pick(data) });
    return data;
  } catch (err) {
    failed = true;
    emit({ step: name, ok: false, error: String(err?.message ?? err), name: err?.name, code: err?.code ?? null });
    return null;
  }
}

const order = (o) => o && {
  symbol: o.symbol, orderId: o.orderId, clientOrderId: o.clientOrderId, side: o.side, type: o.type,
  status: o.status, price: o.price, origQty: o.origQty, executedQty: o.executedQty,
};

await step('time', () => client.restAPI.time(), (d) => ({ serverTime: d.serverTime }));
await step('account', () => client.restAPI.getAccount(), (d) => ({
  canTrade: d.canTrade, accountType: d.accountType, permissions: d.permissions,
  balances: (d.balances ?? []).filter((b) => Number(b.free) > 0 || Number(b.locked) > 0),
}));
const limit = await step('newOrder LIMIT', () => client.restAPI.newOrder({
  symbol,
  side: SpotRestAPI.NewOrderSideEnum.BUY,
  type: SpotRestAPI.NewOrderTypeEnum.LIMIT,
  timeInForce: SpotRestAPI.NewOrderTimeInForceEnum.GTC,
  quantity,
  price: limitPrice,
}), order);
await step('newOrder MARKET', () => client.restAPI.newOrder({
  symbol,
  side: SpotRestAPI.NewOrderSideEnum.BUY,
  type: SpotRestAPI.NewOrderTypeEnum.MARKET,
  quantity,
}), order);
if (limit) {
  await step('getOrder', () => client.restAPI.getOrder({ symbol, orderId: limit.orderId }), order);
  await step('deleteOrder', () => client.restAPI.deleteOrder({ symbol, orderId: limit.orderId }), order);
} else {
  failed = true;
  emit({ step: 'getOrder', ok: false, error: 'skipped: the LIMIT order failed' });
  emit({ step: 'deleteOrder', ok: false, error: 'skipped: the LIMIT order failed' });
}

for (const r of refusals) emit({ step: 'network', ok: false, error: r });
if (failed || refusals.length > 0) process.exitCode = 1;
