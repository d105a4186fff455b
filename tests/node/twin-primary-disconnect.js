'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 7: primary calls worker.disconnect(). MODE=idle (keeps itself alive with a ref'd interval), listening (default), bare (idle worker with nothing keeping it alive).
if (cluster.isPrimary) {
  watchCluster();
  const w = watchWorker(cluster.fork());

  if (MODE === 'idle') {
    // the worker keeps itself alive with a ref'd interval: show it is still alive 1 s after 'disconnect', then SIGKILL it
    w.once('disconnect', () => setTimeout(() => {
      log(`1s after disconnect: pidAlive=${(() => { try { process.kill(w.process.pid, 0); return true; } catch { return false; } })()} ${st(w)}`);
      log('SIGKILLing the worker to finish');
      w.process.kill('SIGKILL');
    }, 1000));
  }
  w.once(MODE === 'listening' || MODE === 'default' ? 'listening' : 'online', () => setTimeout(() => {
    log(`before worker.disconnect() ${st(w)}`);
    const r = w.disconnect();
    log(`worker.disconnect() returned ${r === w ? 'worker' : r} ${st(w)} workers=${JSON.stringify(Object.keys(cluster.workers))}`);
    process.nextTick(() => log(`nextTick after disconnect() ${st(w)}`));
    const r2 = w.disconnect();
    log(`second worker.disconnect() returned ${r2 === w ? 'worker' : r2} ${st(w)}`);
  }, 50));
} else {
  watchSelf();
  if (MODE === 'idle') setInterval(() => {}, 1000);
  else if (MODE !== 'bare') { const s = listen(); s.on('close', () => log('server close event')); }
}
