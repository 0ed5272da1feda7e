// Runs ccxt's kucoin class, unmodified except its URLs, against mbx's local
// KuCoin exchange (see ccxt-steps.mjs for the steps and the environment).
// Run by compat/ccxt_test.go; by hand: cd compat/js && npm ci && node ccxt-kucoin.mjs
import { run } from './ccxt-steps.mjs';

await run('kucoin', { symbol: 'BTC/USDT', price: '50000', amount: '0.001' });
