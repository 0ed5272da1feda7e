// Runs ccxt's bybit class, unmodified except its URLs, against mbx's Bybit
// local exchange (see ccxt-steps.mjs for the steps and the environment).
// Run by compat/ccxt_venues_test.go; by hand: cd compat/js && npm ci && node ccxt-bybit.mjs

import { config, run } from './ccxt-steps.mjs';

const c = config(false);
const { default: ccxt } = await import('ccxt');
const ex = new ccxt.bybit({ apiKey: c.apiKey, secret: c.secret, timeout: 10000 });
for (const k of Object.keys(ex.urls.api)) ex.urls.api[k] = c.baseURL;
await run(ex, c, { acknowledged: true });
