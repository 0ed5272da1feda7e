// Runs ccxt's okx class, unmodified except its URLs, against mbx's OKX local
// exchange (see ccxt-steps.mjs for the steps and the environment; OKX also
// needs MBX_API_PASSPHRASE). Run by compat/ccxt_venues_test.go; by hand:
// cd compat/js && npm ci && node ccxt-okx.mjs

import { config, run } from './ccxt-steps.mjs';

const c = config(true);
const { default: ccxt } = await import('ccxt');
const ex = new ccxt.okx({ apiKey: c.apiKey, secret: c.secret, password: c.password, timeout: 10000 });
for (const k of Object.keys(ex.urls.api)) ex.urls.api[k] = c.baseURL;
await run(ex, c);
