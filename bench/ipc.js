// The Node side of the IPC benchmark: the same measurements as ipc_cluster.py, with
// Node's own cluster module (one primary, one worker).
//
//   node ipc.js '<json config>'   e.g. {"small": {"size": 16, "oneway": 100000, "ping": 10000}}
//
// For each payload size: p2w (the primary sends `oneway` messages, the worker answers
// `done` after the last), w2p (the worker sends `oneway` messages on request), ping
// (`ping` round trips, one at a time). Prints {"event":"result","results":{...}}.
'use strict';
const cluster = require('node:cluster');

const WAIT_MS = 300000;

function percentile(values, fraction) {
  const ordered = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.min(ordered.length, Math.round(fraction * ordered.length + 0.5)));
  return ordered[rank - 1];
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

async function primary(config) {
  const worker = cluster.fork();
  const state = { mode: null, count: 0, expect: 0, end: 0, sent: 0 };
  const rtts = [];
  let wake = null;
  const ready = new Promise((resolve) => { wake = resolve; });
  let finish = null;

  worker.on('message', (message) => {
    const mode = state.mode;
    if (mode === 'w2p') {
      if (++state.count === state.expect) { state.end = now(); finish(); }
    } else if (mode === 'ping') {
      rtts.push(now() - state.sent);
      if (++state.count === state.expect) finish();
      else { state.sent = now(); worker.send(message); }
    } else if (message.t === 'done') {
      state.end = now();
      finish();
    } else if (message.t === 'ready') {
      wake();
    }
  });

  function measure(what) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no end within ${WAIT_MS}ms`)), WAIT_MS);
      finish = () => { clearTimeout(timer); resolve(); };
    });
  }

  await ready;
  const results = {};
  for (const [name, spec] of Object.entries(config)) {
    const payload = 'x'.repeat(spec.size);
    const message = { t: 'd', p: payload };
    const out = {};
    const count = spec.oneway;

    state.mode = 'p2w';
    let done = measure('p2w');
    worker.send({ t: 'expect', n: count });
    let started = now();
    for (let i = 0; i < count; i++) worker.send(message);
    await done;
    out.p2w = count / (state.end - started);

    Object.assign(state, { mode: 'w2p', count: 0, expect: count });
    done = measure('w2p');
    started = now();
    worker.send({ t: 'emit', n: count, size: spec.size });
    await done;
    out.w2p = count / (state.end - started);

    rtts.length = 0;
    Object.assign(state, { mode: 'ping', count: 0, expect: spec.ping });
    done = measure('ping');
    state.sent = now();
    worker.send({ t: 'p', p: payload });
    await done;
    out.rtt_p50_us = percentile(rtts, 0.5) * 1e6;
    out.rtt_p99_us = percentile(rtts, 0.99) * 1e6;
    state.mode = null;
    results[name] = out;
  }
  process.stdout.write(JSON.stringify({ event: 'result', results }) + '\n');
  cluster.disconnect();
}

function workerSide() {
  let expect = 0;
  let count = 0;
  process.on('message', (message) => {
    const kind = message.t;
    if (kind === 'd') {
      if (++count === expect) process.send({ t: 'done' });
    } else if (kind === 'p') {
      process.send(message);
    } else if (kind === 'expect') {
      expect = message.n;
      count = 0;
    } else if (kind === 'emit') {
      const data = { t: 'd', p: 'x'.repeat(message.size) };
      for (let i = 0; i < message.n; i++) process.send(data);
    }
  });
  process.send({ t: 'ready' });
}

if (cluster.isPrimary) {
  primary(JSON.parse(process.argv[2])).catch((err) => {
    console.error(err);
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(1);
  });
} else {
  workerSide();
}
