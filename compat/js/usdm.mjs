// Runs the official Binance USDⓈ-M futures connector
// (@binance/derivatives-trading-usds-futures), unmodified, against an mbx
// local exchange: server time, exchangeInfo, account, a LIMIT order resting
// below the market, query it, cancel it. One JSON line per step on stdout;
// the exit status is non-zero when any step fails.
//
// Environment:
//   MBX_BASE_URL    the exchange, e.g. http://127.0.0.1:8765 (loopback only)
//   MBX_API_KEY     the API key (with the FUTURES permission)
//   MBX_API_SECRET  the HMAC secret
//   MBX_SYMBOL      default BTCUSDT
//
// Run by compat/ccxt_test.go; by hand: cd compat/js && npm ci && node usdm.mjs

import { isLoopback, refusals } from './guard.mjs';

const { DerivativesTradingUsdsFutures, DerivativesTradingUsdsFuturesRestAPI } = await import('@binance/derivatives-trading-usds-futures');

const env = (name, def) => {
  const v = process.env[name];
  return v === undefined || v === '' ? def : v;
};
const emit = (obj) => process.stdout.write(JSON.stringify(obj, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');

const basePath = env('MBX_BASE_URL');
const apiKey = env('MBX_API_KEY');
const apiSecret = env('MBX_API_SECRET');
if (!basePath || !apiKey || !apiSecret) {
  emit({ step: 'config', ok: false, error: 'set MBX_BASE_URL, MBX_API_KEY and MBX_API_SECRET' });
  process.exit(2);
}
if (!isLoopback(new URL(basePath).hostname)) {
  emit({ step: 'config', ok: false, error: `MBX_BASE_URL ${basePath} is not a loopback address` });
  process.exit(2);
}
const symbol = env('MBX_SYMBOL', 'BTCUSDT');

// As the connector's README shows, with basePath; the timeout is raised for
// slow CI machines.
const client = new DerivativesTradingUsdsFutures({ configurationRestAPI: { apiKey, apiSecret, basePath, timeout: 10000 } });

let failed = false;
async function step(name, call, pick) {
  try {
    const res = await call();
    const data = await res.data();
    emit({ step: name, ok: true, status: res.status, data: pick(data) });
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
const E = DerivativesTradingUsdsFuturesRestAPI;

await step('time', () => client.restAPI.checkServerTime(), (d) => ({ serverTime: d.serverTime }));
const info = await step('exchangeInfo', () => client.restAPI.exchangeInformation(), (d) => ({
  symbols: (d.symbols ?? []).map((s) => s.symbol),
  filters: (d.symbols ?? []).find((s) => s.symbol === symbol)?.filters ?? null,
}));
await step('account', () => client.restAPI.accountInformationV3(), (d) => ({
  totalWalletBalance: d.totalWalletBalance, availableBalance: d.availableBalance, assets: d.assets?.map((a) => a.asset),
}));
let price = '30000';
const f = info?.symbols?.find((s) => s.symbol === symbol);
if (!f) failed = true;
const limit = await step('newOrder', () => client.restAPI.newOrder({
  symbol,
  side: E.NewOrderSideEnum.BUY,
  type: E.NewOrderTypeEnum.LIMIT,
  timeInForce: E.NewOrderTimeInForceEnum.GTC,
  quantity: 0.01,
  price: Number(price),
}), order);
if (limit) {
  await step('queryOrder', () => client.restAPI.queryOrder({ symbol, orderId: limit.orderId }), order);
  await step('cancelOrder', () => client.restAPI.cancelOrder({ symbol, orderId: limit.orderId }), order);
} else {
  failed = true;
}

for (const r of refusals) emit({ step: 'network', ok: false, error: r });
if (failed || refusals.length > 0) process.exitCode = 1;
