// The Node side of the HTTP benchmarks (handoff, keepalive, startup, scale): the same
// program as http_server.py, with Node's own cluster module.
//
//   node http_server.js --workers N [--kind net|http] [--port P]
//
// N workers serve a minimal HTTP server on one shared port (--port, 0 by default, on
// 127.0.0.1); reload_server.js requires it for that server;
// --workers 0 runs the server in a single process, no cluster. The scheduling policy
// comes from NODE_CLUSTER_SCHED_POLICY (rr, the default, or none), as in Node.
//
// --kind net (default): a `net` server that reads a request head, writes a fixed
// response and ends the connection when the client asked for it (Connection: close,
// or HTTP/1.0 without keep-alive), else keeps it: what http_server.py does.
// --kind http: http.createServer with the same response, for reference.
//
// Prints JSON lines: {"event":"ready",port,pid,workers,online_s,listening_s} once every
// worker listens, and after stdin ends {"event":"stopped",stop_s} before exiting.
'use strict';
const cluster = require('node:cluster');
const net = require('node:net');
const http = require('node:http');
const { performance } = require('node:perf_hooks');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const workers = Number(option('--workers', '2'));
const kind = option('--kind', 'net');
const STOP_TIMEOUT_MS = 15000;

const RESP_CLOSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
const RESP_KEEP = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');

function emit(fields) {
  process.stdout.write(JSON.stringify(fields) + '\n');
}

function closes(head) {
  const end = head.indexOf('\r\n');
  const first = end < 0 ? head : head.slice(0, end);
  if (first.endsWith('http/1.0')) return !head.includes('connection: keep-alive');
  return head.includes('connection: close');
}

function netServer() {
  return net.createServer((sock) => {
    let buffer = '';
    sock.on('error', () => {});
    sock.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      const out = [];
      let end;
      while ((end = buffer.indexOf('\r\n\r\n')) >= 0) {
        const head = buffer.slice(0, end).toLowerCase();
        buffer = buffer.slice(end + 4);
        if (closes(head)) {
          out.push(RESP_CLOSE);
          sock.end(out.length === 1 ? out[0] : Buffer.concat(out));
          return;
        }
        out.push(RESP_KEEP);
      }
      if (out.length) sock.write(out.length === 1 ? out[0] : Buffer.concat(out));
    });
  });
}

function httpServer() {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Length': 2 });
    res.end('ok');
  });
}

function serve(single) {
  const server = kind === 'http' ? httpServer() : netServer();
  server.listen({ port: Number(option('--port', '0')), host: '127.0.0.1', backlog: 511 }, () => {
    if (single) emit({ event: 'ready', port: server.address().port, pid: process.pid, workers: [] });
  });
}

function primary(count) {
  let online = 0;
  let listening = 0;
  let exited = 0;
  let stopping = null;
  const times = {};
  const started = performance.now();
  cluster.on('online', () => {
    if (++online === count) times.online = (performance.now() - started) / 1000;
  });
  cluster.on('listening', (worker, address) => {
    if (++listening === count) {
      times.listening = (performance.now() - started) / 1000;
      emit({
        event: 'ready',
        port: address.port,
        pid: process.pid,
        workers: Object.values(cluster.workers).map((w) => w.process.pid),
        online_s: times.online,
        listening_s: times.listening,
      });
    }
  });
  cluster.on('exit', () => {
    if (++exited === count && stopping !== null) {
      emit({ event: 'stopped', stop_s: (performance.now() - stopping) / 1000 });
      process.exit(0);
    }
  });
  for (let i = 0; i < count; i++) cluster.fork();

  process.stdin.on('data', () => {});
  process.stdin.on('end', () => {
    stopping = performance.now();
    cluster.disconnect();
    setTimeout(() => {
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
      emit({ event: 'stopped', stop_s: null });
      process.exit(0);
    }, STOP_TIMEOUT_MS).unref();
  });
}

module.exports = { emit, option, serve };

if (require.main === module) {
  if (cluster.isWorker) {
    serve(false);
  } else if (workers === 0) {
    process.stdin.on('data', () => {});
    process.stdin.on('end', () => process.exit(0));
    serve(true);
  } else {
    primary(workers);
  }
}
