'use strict';
// ---- shared preamble (copied verbatim into every twin-*.js; self-contained) ----
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
// ---- end preamble ----
// Scenario 18: worker.send() after the worker exited / disconnected.
// MODE=default: send in primary's worker 'exit' handler, with callback, then without callback (worker has an 'error' listener).
// MODE=nolistener: same, no 'error' listener on the worker object (does the primary crash?).
// MODE=afterdisconnect: send right after worker.disconnect() returns, and in the worker 'disconnect' handler.
// MODE=workerside: worker calls process.disconnect() then process.send() (with cb, then without cb and no 'error' listener).
if (cluster.isPrimary) {
  watchCluster();
  const w = cluster.fork();
  if (MODE === 'nolistener') {
    w.on('exit', (c, s) => log(`worker.exit code=${c} signal=${s} ${st(w)}`));
    w.on('disconnect', () => log(`worker.disconnect ${st(w)}`));
    process.on('uncaughtException', (e) => { log(`PRIMARY uncaughtException code=${e.code} message=${JSON.stringify(e.message)}`); process.exitCode = 99; });
  } else watchWorker(w);
  const trySend = (tag, withCb) => {
    let r, threw = null;
    try {
      r = withCb ? w.send({ tag }, (err) => log(`send(${tag}) callback err=${err && err.code} message=${JSON.stringify(err && err.message)}`)) : w.send({ tag });
    } catch (e) { threw = e; }
    log(`send(${tag}) ${withCb ? 'with' : 'without'} cb: returned=${r} threw=${threw && threw.code} ${st(w)}`);
  };
  if (MODE === 'afterdisconnect') {
    w.once('online', () => setTimeout(() => { w.disconnect(); log('disconnect() returned'); trySend('right-after-disconnect()', true); }, 50));
    w.once('disconnect', () => { trySend('in-disconnect-handler', true); trySend('in-disconnect-handler-nocb', false); });
    w.once('exit', () => { trySend('in-exit-handler', true); });
  } else if (MODE === 'workerside') {
    // nothing special on the primary side
  } else {
    w.once('exit', () => {
      trySend('in-exit-handler-cb', true);
      trySend('in-exit-handler-nocb', false);
      setTimeout(() => trySend('50ms-after-exit-nocb', false), 50);
    });
  }
} else {
  const w = watchSelf();
  process.on('message', (m) => log(`process.message ${JSON.stringify(m)} ${st(w)}`));
  if (MODE === 'workerside') {
    setTimeout(() => {
      process.disconnect();
      let r, threw = null;
      try { r = process.send('x', (err) => log(`process.send cb err=${err && err.code} message=${JSON.stringify(err && err.message)}`)); } catch (e) { threw = e; }
      log(`process.send with cb returned=${r} threw=${threw && threw.code}`);
      process.on('uncaughtException', (e) => { log(`WORKER uncaughtException code=${e.code}`); process.exit(3); });
      try { r = process.send('y'); } catch (e) { threw = e; }
      log(`process.send without cb returned=${r} threw=${threw && threw.code}`);
    }, 100);
  } else if (MODE === 'afterdisconnect') {
    // nothing: the IPC channel alone keeps the worker alive until the primary disconnects it
  } else {
    setTimeout(() => process.exit(0), 100);
  }
}
