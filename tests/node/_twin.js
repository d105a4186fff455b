'use strict';
// The preamble every twin-*.js shares: logging of every cluster event, in one
// parseable line each, and a 10 s safety timeout.
const cluster = require('cluster');
const net = require('net');
const fs = require('fs');
const SIDE = cluster.isWorker ? 'worker' : (/^SIG/.test(process.argv[2] || '') ? 'wrapper' : 'primary');
const MODE = process.argv[2] || 'default';
const T0 = Date.now();
function log(msg) { fs.writeSync(1, `${SIDE}: ${msg}\n`); }
setTimeout(() => { log('SAFETY-TIMEOUT'); process.exit(1); }, 10000).unref();
function st(w) {
  return `state=${w.state} exitedAfterDisconnect=${w.exitedAfterDisconnect} ` +
    `isConnected=${w.isConnected()} isDead=${w.isDead()}` +
    (cluster.isPrimary ? ` inWorkers=${w.id in cluster.workers}` : '');
}
function watchCluster() {
  cluster.on('setup', (s) => log(`cluster.setup settings=${JSON.stringify(s)}`));
  cluster.on('fork', (w) => log(`cluster.fork id=${w.id} ${st(w)}`));
  cluster.on('online', (w) => log(`cluster.online id=${w.id} ${st(w)}`));
  cluster.on('listening', (w, a) => log(`cluster.listening id=${w.id} address=${JSON.stringify(a)} ${st(w)}`));
  cluster.on('disconnect', (w) => log(`cluster.disconnect id=${w.id} ${st(w)}`));
  cluster.on('exit', (w, c, s) => log(`cluster.exit id=${w.id} code=${c} signal=${s} ${st(w)}`));
  cluster.on('message', (w, m) => log(`cluster.message id=${w.id} msg=${JSON.stringify(m)}`));
}
function watchWorker(w) {
  w.on('online', () => log(`worker.online id=${w.id} ${st(w)}`));
  w.on('listening', (a) => log(`worker.listening id=${w.id} address=${JSON.stringify(a)} ${st(w)}`));
  w.on('disconnect', () => log(`worker.disconnect id=${w.id} ${st(w)}`));
  w.on('exit', (c, s) => log(`worker.exit id=${w.id} code=${c} signal=${s} ${st(w)} process.exitCode=${w.process.exitCode} process.signalCode=${w.process.signalCode}`));
  w.on('message', (m) => log(`worker.message id=${w.id} msg=${JSON.stringify(m)}`));
  w.on('error', (e) => log(`worker.error id=${w.id} code=${e && e.code} message=${JSON.stringify(e && e.message)} ${st(w)}`));
  return w;
}
function watchSelf() { // worker side
  const w = cluster.worker;
  process.on('disconnect', () => log(`process.disconnect ${st(w)}`));
  w.on('disconnect', () => log(`cluster.worker.disconnect ${st(w)}`));
  process.on('exit', (c) => log(`process.exit code=${c} ${st(w)}`));
  return w;
}
function listen(cb) {
  const srv = net.createServer((s) => s.end());
  srv.listen(0, '127.0.0.1', () => { log(`server listening port=${srv.address().port} ${st(cluster.worker)}`); if (cb) cb(srv); });
  return srv;
}
if (SIDE === 'primary') process.on('exit', (c) => log(`process.exit code=${c} workersLeft=${JSON.stringify(Object.keys(cluster.workers))}`));
module.exports = { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen };
