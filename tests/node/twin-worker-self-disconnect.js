'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 8: worker calls cluster.worker.disconnect() itself. MODE=idle (interval keeps it alive) or listening (default).
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
} else {
  const w = watchSelf();
  const go = (srv) => setTimeout(() => {
    log(`calling cluster.worker.disconnect() ${st(w)}`);
    const r = w.disconnect();
    log(`returned ${r === w ? 'worker' : r} ${st(w)}`);
    const r2 = w.disconnect();
    log(`second call returned ${r2 === w ? 'worker' : r2} ${st(w)}`);
  }, 100);
  if (MODE === 'idle') { setInterval(() => {}, 1000); go(); }
  else { const s = listen(go); s.on('close', () => log('server close event')); }
}
