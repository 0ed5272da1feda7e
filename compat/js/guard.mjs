// Loopback guard shared by the compatibility scripts: the official connector
// must only ever talk to the local exchange. Importing this module refuses
// every other TCP connection and name lookup before the connector is loaded,
// so a time sync, telemetry or a default base URL fails the run loudly.

import dns from 'node:dns';
import net from 'node:net';

export const isLoopback = (host) => {
  const h = String(host ?? 'localhost').replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
};
export const refusals = [];
function refuse(what) {
  const msg = `network guard: refused ${what}; the compatibility run may only reach 127.0.0.1`;
  refusals.push(msg);
  process.exitCode = 3;
  return new Error(msg);
}
const socketConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // Node passes [options, callback] as one array internally, or
  // (options[, cb]), (port[, host][, cb]) or (path[, cb]) from user code.
  let opts = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof opts === 'number' || (typeof opts === 'string' && /^\d+$/.test(opts))) {
    opts = { port: opts, host: typeof args[1] === 'string' ? args[1] : undefined };
  } else if (typeof opts === 'string') {
    opts = { path: opts };
  }
  if (opts && typeof opts === 'object' && !opts.path && !isLoopback(opts.host)) {
    throw refuse(`a connection to ${opts.host}:${opts.port}`);
  }
  return socketConnect.apply(this, args);
};
const dnsLookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (!isLoopback(hostname)) throw refuse(`a DNS lookup of ${hostname}`);
  return dnsLookup.call(this, hostname, ...rest);
};
const dnsPromisesLookup = dns.promises.lookup;
dns.promises.lookup = async function guardedLookup(hostname, ...rest) {
  if (!isLoopback(hostname)) throw refuse(`a DNS lookup of ${hostname}`);
  return dnsPromisesLookup.call(this, hostname, ...rest);
};
