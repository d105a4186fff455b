// The Node side of bench/reload.py: the rolling restart a Node user writes by hand,
// serving http_server.js's minimal server.
//
//   node reload_server.js --workers N --port P
//
// SIGHUP replaces the workers one at a time: fork a new one, and once it listens,
// disconnect the old one and wait for its 'exit' before the next. Prints JSON lines:
// {"event":"ready"} once N workers listen, {"event":"reload_start"} and
// {"event":"reload_done","completed":true} around a reload, and, after stdin ends,
// {"event":"stopped"} once every worker has exited.
'use strict';
const cluster = require('node:cluster');
const { emit, option, serve } = require('./http_server.js');

function replace(old) {
  return new Promise((resolve) => {
    cluster.fork().once('listening', () => {
      old.once('exit', resolve);
      old.disconnect();
    });
  });
}

async function reload() {
  emit({ event: 'reload_start' });
  for (const old of Object.values(cluster.workers)) await replace(old);
  emit({ event: 'reload_done', completed: true });
}

function primary(count) {
  let listening = 0;
  let reloading = null;
  cluster.on('listening', () => {
    if (++listening === count) emit({ event: 'ready', pid: process.pid });
  });
  for (let i = 0; i < count; i++) cluster.fork();
  process.on('SIGHUP', () => {
    reloading = reloading || reload().then(() => { reloading = null; });
  });
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => {
    cluster.disconnect(() => {
      emit({ event: 'stopped' });
      process.exit(0);
    });
  });
}

if (cluster.isWorker) {
  serve(false);
} else {
  primary(Number(option('--workers', '4')));
}
