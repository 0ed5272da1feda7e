// Runs ccxt's gate class, unmodified except its URLs, against mbx's local
// Gate.io exchange (see ccxt-steps.mjs for the steps and the environment).
// Run by compat/ccxt_test.go; by hand: cd compat/js && npm ci && node ccxt-gate.mjs
import { run } from './ccxt-steps.mjs';

await run('gate', { symbol: 'BTC/USDT', price: '50000', amount: '0.001' });
