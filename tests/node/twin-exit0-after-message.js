'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 20: worker exits with code 0 after receiving a message. Run several times: 'disconnect' vs 'exit' order. MODE=listening: worker listens first.
if (cluster.isPrimary) {
  watchCluster();
  const w = watchWorker(cluster.fork());
  w.once(MODE === 'listening' ? 'listening' : 'online', () => { log('sending bye'); w.send('bye'); });
} else {
  watchSelf();
  process.on('message', (m) => { log(`got ${m}; process.exit(0)`); process.exit(0); });
  if (MODE === 'listening') listen();
}
