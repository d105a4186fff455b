'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 13: cluster.disconnect(cb) with 2 workers (MODE=idle: workers idle with interval; default: listening), then with 0 workers.
if (cluster.isPrimary) {
  watchCluster();
  const ws = [watchWorker(cluster.fork()), watchWorker(cluster.fork())];
  let n = 0;
  const ev = MODE === 'idle' ? 'online' : 'listening';
  cluster.on(ev, () => {
    if (++n !== 2) return;
    setTimeout(() => {
      log('calling cluster.disconnect(cb)');
      const r = cluster.disconnect(() => {
        log(`cluster.disconnect cb1 runs; workers=${JSON.stringify(Object.keys(cluster.workers))} ${ws.map((w) => `[${w.id}: ${st(w)}]`).join(' ')}`);
      });
      log(`cluster.disconnect returned ${r}; workers=${JSON.stringify(Object.keys(cluster.workers))} ${ws.map((w) => `[${w.id}: ${st(w)}]`).join(' ')}`);
      process.nextTick(() => log('nextTick after cluster.disconnect'));
    }, 50);
  });
  if (MODE === 'idle') {
    let d = 0;
    cluster.on('disconnect', () => {
      if (++d !== 2) return;
      setTimeout(() => {
        log(`1s after both disconnects: ${ws.map((w) => `[${w.id}: ${st(w)}]`).join(' ')}; SIGKILLing worker 1, then worker 2 100ms later`);
        ws[0].process.kill('SIGKILL');
        setTimeout(() => ws[1].process.kill('SIGKILL'), 100);
      }, 1000);
    });
  }
  let exits = 0;
  cluster.on('exit', () => {
    if (++exits !== 2) return;
    setTimeout(() => {
      log('calling cluster.disconnect(cb2) with 0 workers');
      let sync = true;
      cluster.disconnect(() => log(`cb2 runs sync=${sync}`));
      sync = false;
      log('cluster.disconnect(cb2) returned');
      process.nextTick(() => log('nextTick scheduled after cluster.disconnect(cb2)'));
      Promise.resolve().then(() => log('microtask after cluster.disconnect(cb2)'));
    }, 50);
  });
} else {
  watchSelf();
  if (MODE === 'idle') setInterval(() => {}, 1000); else listen();
}
