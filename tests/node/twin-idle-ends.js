'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 12: worker script ends with no server/listeners. Is it still alive after 1 s? Then primary disconnects it.
if (cluster.isPrimary) {
  watchCluster();
  const w = watchWorker(cluster.fork());
  setTimeout(() => {
    let alive; try { process.kill(w.process.pid, 0); alive = true; } catch (e) { alive = false; }
    log(`after 1s: pidAlive=${alive} ${st(w)}`);
    const r = w.disconnect();
    log(`worker.disconnect() returned; ${st(w)}`);
  }, 1000);
} else {
  watchSelf();
  log('worker script ending');
}
