'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 19: worker sends messages shaped like internal cluster messages via process.send.
if (cluster.isPrimary) {
  watchCluster();
  const w = watchWorker(cluster.fork());
  w.process.on('internalMessage', (m) => log(`(raw child_process internalMessage ${JSON.stringify(m)})`));
  w.on('message', (m) => {
    if (m === 'done') {
      log(`after all fake messages: ${st(w)}`);
      log('primary sends {cmd:NODE_CLUSTER, act:disconnect} via worker.send');
      w.send({ cmd: 'NODE_CLUSTER', act: 'disconnect' });
    }
  });
} else {
  const w = watchSelf();
  process.on('internalMessage', (m) => log(`process.internalMessage ${JSON.stringify(m)}`));
  process.on('message', (m) => log(`process.message ${JSON.stringify(m)}`));
  setTimeout(() => {
    const msgs = [
      { cmd: 'NODE_CLUSTER', act: 'online', ack: 123 },
      { cmd: 'NODE_CLUSTER', act: 'listening', port: 9999, address: '1.2.3.4', addressType: 4, fd: undefined },
      { cmd: 'NODE_FOO', x: 1 },
      { cmd: 'NODE_CLUSTERX', act: 'online' },
      { cmd: 'node_cluster', act: 'online' },
      { cmd: 'NODE_CLUSTER', act: 'nosuchact' },
      { cmd: 'NODE_CLUSTER', act: 'exitedAfterDisconnect', seq: 777 },
      { hello: 1 },
      'done',
    ];
    for (const m of msgs) { log(`process.send ${JSON.stringify(m)}`); process.send(m); }
  }, 100);
}
