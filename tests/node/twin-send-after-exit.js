'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
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
