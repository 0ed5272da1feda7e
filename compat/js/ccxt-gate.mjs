// Runs ccxt's gate class, unmodified except its URLs, against mbx's local
// Gate.io exchange (see ccxt-steps.mjs for the steps and the environment).
// Run by compat/ccxt_venues_test.go; by hand: cd compat/js && npm ci && node ccxt-gate.mjs

import { config, pointAt, run } from './ccxt-steps.mjs';

const c = config(false);
const { default: ccxt } = await import('ccxt');
const ex = new ccxt.gate({ apiKey: c.apiKey, secret: c.secret, timeout: 20000 });
pointAt(ex.urls.api, c.baseURL);
await run(ex, c);
