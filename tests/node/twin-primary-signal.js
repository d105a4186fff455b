'use strict';
const { cluster, net, fs, SIDE, MODE, T0, log, st, watchCluster, watchWorker, watchSelf, listen } =
  require('./_twin');
// Scenarios 16/17: the primary is killed by a signal. Run as: node twin-primary-signal.js <SIGINT|SIGKILL|SIGTERM|SIGINT-group>
// wrapper (top level) -> spawns "node <this> primary" -> primary forks 2 listening workers (no SIGINT/SIGTERM listeners anywhere).
// Workers append their observations to the file in $TWIN_FILE; the wrapper polls worker pids.
const { spawn } = require('child_process');
const path = require('path');
if (SIDE === 'wrapper') {
  const sigArg = process.argv[2];
  const group = sigArg.includes('-group');
  const sig = sigArg.replace('-group', '').replace('-trapped', '');
  const file = path.join(require('os').tmpdir(), `twin-primary-signal-${process.pid}.log`);
  fs.writeFileSync(file, '');
  const child = spawn(process.execPath, [__filename, 'primary', sigArg], { env: { ...process.env, TWIN_FILE: file }, stdio: ['ignore', 'pipe', 'inherit'], detached: group });
  let buf = ''; let pids = null; let tKill = 0;
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 1);
      fs.writeSync(1, `  | ${line}\n`);
      const m = /READY pids=(\[.*\])/.exec(line);
      if (m && !pids) {
        pids = JSON.parse(m[1]);
        setTimeout(() => {
          tKill = Date.now();
          log(`sending ${sig} to ${group ? 'process group -' : 'primary pid '}${child.pid}`);
          process.kill(group ? -child.pid : child.pid, sig);
        }, 100);
      }
    }
  });
  child.on('exit', (code, signal) => {
    log(`primary exited code=${code} signal=${signal} after ${Date.now() - tKill}ms`);
    const deadAt = {};
    const iv = setInterval(() => {
      for (const p of pids) {
        if (deadAt[p] !== undefined) continue;
        let how = null;
        try { process.kill(p, 0); } catch { how = 'gone'; }
        if (!how) { try { if (/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'))) how = 'zombie (exited, not yet reaped)'; } catch { how = 'gone'; } }
        if (how) { deadAt[p] = Date.now() - tKill; log(`worker pid ${p} ${how} ~${deadAt[p]}ms after kill`); }
      }
      if (Object.keys(deadAt).length === pids.length || Date.now() - tKill > 3000) {
        clearInterval(iv);
        for (const p of pids) if (deadAt[p] === undefined) { log(`worker pid ${p} STILL ALIVE after 3s; killing it`); try { process.kill(p, 'SIGKILL'); } catch {} }
        for (const l of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
          const [t, ...rest] = l.split(' ');
          log(`worker-record +${Number(t) - tKill}ms ${rest.join(' ')}`);
        }
        fs.unlinkSync(file);
      }
    }, 5);
  });
} else if (SIDE === 'primary') {
  watchCluster();
  const ws = [watchWorker(cluster.fork()), watchWorker(cluster.fork())];
  let n = 0;
  cluster.on('listening', () => { if (++n === 2) log(`READY pids=${JSON.stringify(ws.map((w) => w.process.pid))}`); });
  const iv = setInterval(() => {}, 1000);
  if (process.argv[3] && process.argv[3].endsWith('-trapped')) {
    process.on('SIGINT', () => log(`primary got SIGINT (trapped) workers=${JSON.stringify(Object.keys(cluster.workers))}`));
    cluster.on('exit', () => { if (Object.keys(cluster.workers).length === 0) clearInterval(iv); });
  }
} else {
  const rec = (s) => fs.appendFileSync(process.env.TWIN_FILE, `${Date.now()} pid=${process.pid} id=${cluster.worker.id} ${s}\n`);
  const w = cluster.worker;
  process.on('disconnect', () => rec(`process.disconnect ${st(w)}`));
  w.on('disconnect', () => rec(`cluster.worker.disconnect ${st(w)}`));
  process.on('exit', (c) => rec(`process.exit code=${c} ${st(w)}`));
  listen();
}
