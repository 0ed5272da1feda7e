// Runs ccxt's kucoin class, unmodified except its URLs, against mbx's local
// KuCoin exchange (see ccxt-steps.mjs for the steps and the environment;
// KuCoin also needs MBX_API_PASSPHRASE). Run by compat/ccxt_venues_test.go;
// by hand: cd compat/js && npm ci && node ccxt-kucoin.mjs

import { config, pointAt, run } from './ccxt-steps.mjs';

const c = config(true);
const { default: ccxt } = await import('ccxt');
const ex = new ccxt.kucoin({ apiKey: c.apiKey, secret: c.secret, password: c.password, timeout: 20000 });
pointAt(ex.urls.api, c.baseURL);
await run(ex, c);
