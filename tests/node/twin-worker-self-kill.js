'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 9: worker calls cluster.worker.kill() itself. MODE=idle or listening (default).
if (cluster.isPrimary) {
  watchCluster();
  watchWorker(cluster.fork());
} else {
  const w = watchSelf();
  const go = () => setTimeout(() => {
    log(`calling cluster.worker.kill() ${st(w)}`);
    const r = w.kill();
    log(`returned ${r} ${st(w)}`);
  }, 100);
  if (MODE === 'idle') { setInterval(() => {}, 1000); go(); }
  else { const s = listen(go); s.on('close', () => log('server close event')); }
}
