// Starts and stops the real Parley stack for the browser test: server
// replicas, a worker and the project's Nginx serving dist/ in front of them
// Every process started here is tracked and killed by stopAll(), also on
// failure.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLIENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = path.resolve(CLIENT_DIR, '..');
export const ARTIFACTS = path.join(CLIENT_DIR, 'e2e-artifacts');
export const JAVA = process.env.PARLEY_JAVA ?? javaFromRepo();
export const SERVER_JAR = path.join(REPO_DIR, 'server/target/parley-server.jar');
export const WORKER_JAR = path.join(REPO_DIR, 'worker/target/parley-worker.jar');

const children = new Set();

/** The JDK bin/java-home picks for the Java builds and tests, so all of them run the same one. */
function javaFromRepo() {
  try {
    const home = execFileSync(path.join(REPO_DIR, 'bin/java-home'), { encoding: 'utf8', timeout: 30_000 }).trim();
    return path.join(home, 'bin/java');
  } catch (e) {
    throw new Error(`bin/java-home found no JDK >= 21 (set JAVA_HOME or PARLEY_JAVA): ${e.message}`, { cause: e });
  }
}

/** The first variable among `names` that is set and not blank, trimmed, else the fallback (infra's Env.first). */
function firstEnv(fallback, ...names) {
  for (const name of names) {
    const v = process.env[name];
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return fallback;
}

/** Where MySQL and Redis are, from the environment with the defaults of DatabaseSettings and RedisSettings. */
export function services() {
  const url =
    firstEnv('', 'PARLEY_DB_URL') ||
    `jdbc:mysql://${firstEnv('127.0.0.1', 'MYSQL_HOST')}:${firstEnv('3306', 'MYSQL_PORT')}/parley`;
  const db = new URL(url.replace(/^jdbc:/, ''));
  return {
    db,
    dbUser: firstEnv('root', 'PARLEY_DB_USER', 'MYSQL_USER'),
    dbPassword: firstEnv('', 'PARLEY_DB_PASSWORD', 'MYSQL_PASSWORD'),
    redisUrl: firstEnv('redis://127.0.0.1:6379', 'PARLEY_REDIS_URL', 'REDIS_URL', 'CELERY_BROKER_URL'),
  };
}

/** A fresh database (on the configured server), Redis prefix and JWT secret for one run. */
export function isolatedEnv() {
  const id = randomBytes(5).toString('hex');
  const { db, dbUser, dbPassword, redisUrl } = services();
  return {
    id,
    env: {
      PARLEY_DB_URL: `jdbc:${db.protocol}//${db.host}/parley_e2e_${id}${db.search}`,
      PARLEY_DB_USER: dbUser,
      PARLEY_DB_PASSWORD: dbPassword,
      PARLEY_REDIS_URL: redisUrl,
      PARLEY_REDIS_PREFIX: `parley-e2e-${id}:`,
      PARLEY_JWT_SECRET: randomBytes(32).toString('hex'),
    },
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns a tracked process in its own process group, output to e2e-artifacts/logs/<name>.log. */
export function startProcess(name, cmd, args, env, cwd = CLIENT_DIR) {
  mkdirSync(path.join(ARTIFACTS, 'logs'), { recursive: true });
  const log = createWriteStream(path.join(ARTIFACTS, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.procName = name;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Waits for a child to exit, with a deadline. */
export function waitExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** SIGKILL, the way a crashed replica goes. */
export async function killHard(child) {
  killGroup(child, 'SIGKILL');
  await waitExit(child, 10_000);
}

/** Stops everything started here: SIGTERM, then SIGKILL for what is still running after 10 s. */
export async function stopAll() {
  const list = [...children];
  for (const c of list) killGroup(c, 'SIGTERM');
  const exited = await Promise.all(list.map((c) => waitExit(c, 10_000)));
  list.forEach((c, i) => {
    if (!exited[i]) killGroup(c, 'SIGKILL');
  });
  await Promise.all(list.map((c) => waitExit(c, 5_000)));
}

// a last resort if the test runner exits without running the hooks
process.on('exit', () => {
  for (const c of children) killGroup(c, 'SIGKILL');
});

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitUntil(check, { timeoutMs, intervalMs = 200, what }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

export async function waitHttpOk(url, timeoutMs, child) {
  let exited = false;
  try {
    return await waitUntil(
      async () => {
        if (child && (child.exitCode !== null || child.signalCode !== null)) {
          exited = true;
          return true;
        }
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        return res.status === 200;
      },
      { timeoutMs, intervalMs: 300, what: `${url} to answer 200` },
    ).then((v) => {
      if (exited) throw new Error(`${child.procName} exited with ${child.exitCode ?? child.signalCode}`);
      return v;
    });
  } catch (e) {
    if (child) e.message += `\n--- last lines of ${child.procName}.log ---\n${logTail(child.procName)}`;
    throw e;
  }
}

function logTail(name, lines = 25) {
  try {
    return readFileSync(path.join(ARTIFACTS, 'logs', `${name}.log`), 'utf8')
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

export function requireBuilt() {
  const missing = [SERVER_JAR, WORKER_JAR, JAVA, NGINX, path.join(CLIENT_DIR, 'dist/index.html')].filter(
    (f) => !existsSync(f),
  );
  if (missing.length > 0) {
    throw new Error(`missing: ${missing.join(', ')} (build the jars with mvn package, the client with npm run build)`);
  }
}

export function startServer(name, serverId, port, env) {
  return startProcess(name, JAVA, ['-Xmx256m', '-jar', SERVER_JAR], {
    ...env,
    PARLEY_HTTP_PORT: String(port),
    PARLEY_SERVER_ID: serverId,
  });
}

export function startWorker(env) {
  return startProcess('worker', JAVA, ['-Xmx256m', '-jar', WORKER_JAR], { ...env, PARLEY_WORKER_ID: 'worker-1' });
}

export const NGINX = process.env.PARLEY_NGINX_BIN ?? '/usr/sbin/nginx';

/**
 * The project's Nginx config (nginx/render.sh, as the image and NginxIT render it) in front of the given replicas,
 * serving dist/. Everything it writes lives in e2e-artifacts/nginx.
 */
export function startNginx(port, upstreamPorts) {
  const runtime = path.join(ARTIFACTS, 'nginx');
  rmSync(runtime, { recursive: true, force: true });
  mkdirSync(runtime, { recursive: true });
  const args = ['--listen', `127.0.0.1:${port}`, '--root', path.join(CLIENT_DIR, 'dist'), '--runtime-dir', runtime];
  for (const p of upstreamPorts) args.push('--upstream', `127.0.0.1:${p}`);
  const conf = path.join(runtime, 'nginx.conf');
  writeFileSync(conf, execFileSync('sh', [path.join(REPO_DIR, 'nginx/render.sh'), ...args], { encoding: 'utf8' }));
  const base = ['-p', `${runtime}/`, '-c', conf, '-e', 'stderr'];
  execFileSync(NGINX, [...base, '-t'], { stdio: 'pipe', timeout: 30_000 });
  return startProcess('nginx', NGINX, [...base, '-g', 'daemon off;'], {});
}

/** Best effort: drop the run's database and Redis keys. */
export function cleanupData(id, env) {
  const { db } = services();
  try {
    const args = [`-u${env.PARLEY_DB_USER}`, `-h${db.hostname}`, `-P${db.port || '3306'}`, '--protocol=TCP'];
    execFileSync('mariadb', [...args, '-e', `DROP DATABASE IF EXISTS parley_e2e_${id}`], {
      stdio: 'ignore',
      timeout: 10_000,
      // the password through the environment, never on a command line that ps shows
      env: { ...process.env, MYSQL_PWD: env.PARLEY_DB_PASSWORD },
    });
  } catch {
    // client missing or server gone: leave it
  }
  try {
    const redis = ['-u', env.PARLEY_REDIS_URL];
    const keys = execFileSync('redis-cli', [...redis, '--scan', '--pattern', `${env.PARLEY_REDIS_PREFIX}*`], {
      encoding: 'utf8',
      timeout: 10_000,
    })
      .split('\n')
      .filter(Boolean);
    for (let i = 0; i < keys.length; i += 500) {
      execFileSync('redis-cli', [...redis, 'del', ...keys.slice(i, i + 500)], { stdio: 'ignore', timeout: 10_000 });
    }
  } catch {
    // ignore
  }
}

const STARTUP_MS = 120_000; // two JVMs and a worker on a shared 2-core machine

/**
 * The stack of the browser tests on a fresh database and Redis prefix: two server replicas (`backend-1`,
 * `backend-2`), a worker and the project's Nginx config serving dist/ in front of both. Returns the run, the
 * processes by name and the URL the browser opens.
 */
export async function startTwoReplicaStack() {
  requireBuilt();
  rmSync(path.join(ARTIFACTS, 'logs'), { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const run = isolatedEnv();
  const [p1, p2, web] = await Promise.all([freePort(), freePort(), freePort()]);
  const stack = { run, ports: { 'backend-1': p1, 'backend-2': p2 }, servers: {} };
  // the first replica applies the migrations alone; the second starts once it is ready
  stack.servers['backend-1'] = startServer('server-1', 'backend-1', p1, run.env);
  await waitHttpOk(`http://127.0.0.1:${p1}/readyz`, STARTUP_MS, stack.servers['backend-1']);
  stack.servers['backend-2'] = startServer('server-2', 'backend-2', p2, run.env);
  stack.worker = startWorker(run.env);
  await waitHttpOk(`http://127.0.0.1:${p2}/readyz`, STARTUP_MS, stack.servers['backend-2']);
  stack.nginx = startNginx(web, [p1, p2]);
  await waitHttpOk(`http://127.0.0.1:${web}/nginx-health`, STARTUP_MS, stack.nginx);
  stack.url = `http://127.0.0.1:${web}/`;
  return stack;
}

/** Closes the browser (when there is one), stops every process and drops the run's database and keys. */
export async function stopTwoReplicaStack(stack, browser) {
  try {
    await browser?.close();
  } finally {
    await stopAll();
    if (stack) cleanupData(stack.run.id, stack.run.env);
  }
}

/**
 * `java -jar parley-server.jar admin ARGS…` against the run's database (PROTOCOL.md 1.1: admins are made from the
 * command line only); the password of `create` through PARLEY_ADMIN_PASSWORD, never on the command line.
 */
export function adminCli(run, args, password) {
  return execFileSync(JAVA, ['-jar', SERVER_JAR, 'admin', ...args], {
    env: { ...process.env, ...run.env, ...(password ? { PARLEY_ADMIN_PASSWORD: password } : {}) },
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
