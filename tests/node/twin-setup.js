'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenario 14: 'setup' events; setupPrimary() twice synchronously then fork.
if (cluster.isPrimary) {
  log(`settings before any call=${JSON.stringify(cluster.settings)} schedulingPolicy=${cluster.schedulingPolicy} SCHED_NONE=${cluster.SCHED_NONE} SCHED_RR=${cluster.SCHED_RR} isMaster=${cluster.isMaster} isWorker=${cluster.isWorker} setupMaster===setupPrimary=${cluster.setupMaster === cluster.setupPrimary}`);
  let n = 0; let sync = true;
  cluster.on('setup', function(s) { log(`cluster.setup #${++n} sync=${sync} args.length=${arguments.length} sameObjAsSettings=${s === cluster.settings} settings=${JSON.stringify(s)}`); });
  cluster.on('fork', (w) => log(`cluster.fork id=${w.id}`));
  cluster.on('online', (w) => log(`cluster.online id=${w.id}`));
  cluster.on('exit', (w, c, s) => log(`cluster.exit id=${w.id} code=${c} signal=${s}`));
  const r1 = cluster.setupPrimary({ args: ['x1'] });
  log(`after setupPrimary#1 returned=${r1} settings=${JSON.stringify(cluster.settings)}`);
  const r2 = cluster.setupPrimary({ silent: false, serialization: 'json' });
  log(`after setupPrimary#2 returned=${r2} settings=${JSON.stringify(cluster.settings)}`);
  const w = cluster.fork();
  log(`after fork settings=${JSON.stringify(cluster.settings)}`);
  const w2 = cluster.fork();
  sync = false;
  log('sync section done');
  w.on('online', () => w.disconnect());
  w2.on('online', () => w2.disconnect());
} else {
  log(`argv.slice(2)=${JSON.stringify(process.argv.slice(2))} NODE_UNIQUE_ID=${process.env.NODE_UNIQUE_ID} worker.id=${cluster.worker.id} state=${cluster.worker.state}`);
}
