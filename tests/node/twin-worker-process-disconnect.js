'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 10: worker calls process.disconnect(). MODE=idle or listening (default).
if (cluster.isPrimary) {
  watchCluster();
  watchWorker(cluster.fork());
} else {
  const w = watchSelf();
  const go = () => setTimeout(() => {
    log(`calling process.disconnect() ${st(w)}`);
    const r = process.disconnect();
    log(`returned ${r} ${st(w)}`);
  }, 100);
  if (MODE === 'idle') { setInterval(() => {}, 1000); go(); }
  else { listen(go); }
}
