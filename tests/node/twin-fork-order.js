'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 15: is 'fork' emitted synchronously in fork()? order of fork/online/listening; worker.state at each.
if (cluster.isPrimary) {
  watchCluster();
  log('before fork()');
  const w = cluster.fork();
  log(`fork() returned id=${w.id} ${st(w)} pid=${typeof w.process.pid}`);
  watchWorker(w);
  process.nextTick(() => log(`nextTick after fork ${st(w)}`));
  Promise.resolve().then(() => log(`microtask after fork ${st(w)}`));
  setImmediate(() => log(`setImmediate after fork ${st(w)}`));
  w.once('listening', () => setTimeout(() => w.disconnect(), 50));
} else {
  const w = watchSelf();
  log(`worker top-level ${st(w)} id=${w.id}`);
  listen((s) => { log(`after listen cb ${st(w)}`); setImmediate(() => log(`setImmediate after listen cb ${st(w)}`)); });
}
