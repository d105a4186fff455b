'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 1: worker calls process.exit(42), no server. MODE=immediate: exit at top level of worker script.
if (cluster.isPrimary) {
  watchCluster();
  watchWorker(cluster.fork());
} else {
  watchSelf();
  if (MODE === 'immediate') process.exit(42);
  setTimeout(() => { log('calling process.exit(42)'); process.exit(42); }, 100);
}
