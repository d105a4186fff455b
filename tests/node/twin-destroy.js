'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Primary calls: w.destroy() . MODE=idle -> on 'online' of an idle worker (interval keeps it alive); default/listening -> on 'listening'; trap -> listening worker with a SIGTERM handler that exits 7.
if (cluster.isPrimary) {
  watchCluster();
  const w = watchWorker(cluster.fork());
  w.once(MODE === 'idle' ? 'online' : 'listening', () => setTimeout(() => {
    log("calling w.destroy()");
    const r = w.destroy();
    log(`returned ${r === w ? 'worker' : r} ${st(w)}`);
    process.nextTick(() => log(`nextTick after call ${st(w)}`));
  }, 50));
} else {
  watchSelf();
  if (MODE === 'trap') process.on('SIGTERM', () => { log('got SIGTERM in trap handler; exiting with 7 after 50ms'); setTimeout(() => process.exit(7), 50); });
  if (MODE !== 'idle') listen(); else setInterval(() => {}, 1000);
}
