'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 11: worker throws an uncaught exception. MODE=listening -> throws after listening.
if (cluster.isPrimary) {
  watchCluster();
  watchWorker(cluster.fork());
} else {
  watchSelf();
  const boom = () => { log('throwing'); throw new Error('boom'); };
  if (MODE === 'listening') listen(() => setTimeout(boom, 50)); else setTimeout(boom, 100);
}
