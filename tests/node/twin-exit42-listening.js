'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 2: worker calls process.exit(42) after listening on TCP port 0.
if (cluster.isPrimary) {
  watchCluster();
  watchWorker(cluster.fork());
} else {
  watchSelf();
  listen(() => setTimeout(() => { log('calling process.exit(42)'); process.exit(42); }, 100));
}
