// The Compose stack on podman, driven by compose-it.sh (which builds the images, starts podman's Docker API and
// runs the health checks): chat through the published Nginx port while the stack is scaled, stopped and restarted.
// Steps run in order and share the stack; each waits on a condition with a generous deadline (2-core machines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';

const run = promisify(execFile);
const project = process.env.PARLEY_IT_PROJECT;
const port = process.env.PARLEY_IT_PORT;
const [composeCmd, ...composeArgs] = process.env.PARLEY_IT_COMPOSE.split(' ');
const base = `http://127.0.0.1:${port}`;
const room = 'compose-it';
const MINUTE = 60_000;

/**
 * Compose's variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, nested defaults), done here
 * because Debian's docker-compose 1.29 cuts `${A:-${B:-x}}` at the first `}`. `$$` stays for Compose to unescape.
 */
export function interpolate(text, env) {
  let out = '';
  for (let i = 0; i < text.length;) {
    if (text.startsWith('$$', i)) {
      out += '$$';
      i += 2;
    } else if (text.startsWith('${', i)) {
      let depth = 1;
      let j = i + 2;
      for (; depth > 0; j++) {
        if (j >= text.length) throw new Error(`unclosed \${ at ${text.slice(i, i + 40)}`);
        if (text[j] === '{') depth++;
        if (text[j] === '}') depth--;
      }
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-)([\s\S]*))?$/.exec(text.slice(i + 2, j - 1));
      if (!m) throw new Error(`unsupported interpolation: ${text.slice(i, j)}`);
      const [, name, op, fallback] = m;
      const value = env[name];
      const use = op === ':-' ? !value : op === '-' ? value === undefined : false;
      out += (use ? interpolate(fallback, env).replaceAll('$$', '$') : (value ?? '')).replaceAll('$', '$$');
      i = j;
    } else {
      out += text[i++];
    }
  }
  return out;
}

/** The file for docker-compose 1.29: interpolated (a plain `key: value` becomes a quoted string), without `name:`. */
function renderForCompose1(text, env) {
  return text.split('\n').map((line) => {
    const plain = /^(\s*[A-Za-z0-9_.-]+:\s+)([^"'\[{#\s].*)$/.exec(line);
    if (plain && plain[2].includes('${')) return plain[1] + JSON.stringify(interpolate(plain[2], env));
    return interpolate(line, env);
  }).filter((line) => !/^name:/.test(line)).join('\n');
}

// docker-compose 1.29 also rejects the top-level `name:` (the project name is given with -p instead).
writeFileSync(`${process.env.PARLEY_IT_WORK}/compose.yaml`,
  renderForCompose1(readFileSync('docker/compose.yaml', 'utf8'), process.env));

// The steps share one stack: after a failed step the later ones are skipped rather than failing on its leftovers.
let failed = false;
function step(name, fn) {
  test(name, async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      failed = true;
      throw e;
    }
  });
}

async function compose(...args) {
  const { stdout } = await run(composeCmd, [...composeArgs, ...args], { timeout: 10 * MINUTE, maxBuffer: 1 << 24 });
  return stdout;
}

/** The project's containers as {name, service, state, health, exitCode, hostname}. */
async function containers() {
  const { stdout } = await run('podman', ['ps', '-a', '--format', 'json',
    '--filter', `label=com.docker.compose.project=${project}`]);
  const list = JSON.parse(stdout || '[]');
  return Promise.all(list.map(async (c) => {
    const { stdout: info } = await run('podman', ['inspect', c.Id]);
    const [i] = JSON.parse(info);
    return {
      id: c.Id, name: c.Names[0], service: c.Labels['com.docker.compose.service'], state: i.State.Status,
      health: i.State.Health?.Status ?? i.State.Healthcheck?.Status ?? '', exitCode: i.State.ExitCode,
      hostname: i.Config.Hostname,
    };
  }));
}

async function eventually(what, check, timeoutMs = 5 * MINUTE) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last ?? ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Every long-running service healthy with the given replica counts, and the one-shot migrate exited 0. */
async function stackHealthy(backends, workers) {
  return eventually(`${backends} backends, ${workers} workers and the rest healthy`, async () => {
    const all = await containers();
    const running = (s) => all.filter((c) => c.service === s && c.state === 'running');
    const healthy = (s) => running(s).filter((c) => c.health === 'healthy');
    const ok = healthy('backend').length === backends && running('backend').length === backends
      && healthy('worker').length === workers && running('worker').length === workers
      && ['nginx', 'redis', 'db'].every((s) => healthy(s).length === 1)
      && all.some((c) => c.service === 'migrate' && c.state === 'exited' && c.exitCode === 0);
    return ok && all;
  });
}

async function api(method, path, body, token) {
  const res = await fetch(base + path, {
    method, body: body && JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const json = await res.json().catch(() => null);
  return { status: res.status, json };
}

/** One WebSocket connection through Nginx, with every frame it received kept in order. */
class Connection {
  constructor(token) {
    this.frames = [];
    this.waiters = [];
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['parley.v1', `bearer.${token}`]);
    this.closed = new Promise((resolve) => this.ws.addEventListener('close', (e) => resolve(e.code)));
    this.closed.then(() => this.wake());
    this.ws.addEventListener('message', (e) => {
      this.frames.push(JSON.parse(e.data));
      this.wake();
    });
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first frame (from index `from`) that matches, or an error on close or after the deadline. */
  async next(match, timeoutMs = 30_000, from = 0) {
    const deadline = Date.now() + timeoutMs;
    let closedCode;
    this.closed.then((c) => { closedCode = c; });
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (closedCode !== undefined) throw new Error(`connection closed (${closedCode}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching frame before the deadline');
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.min(left, 500));
      });
    }
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  close() {
    this.ws.close();
  }
}

async function connect(token) {
  return eventually('a WebSocket through Nginx', async () => {
    const c = new Connection(token);
    try {
      const ready = await c.next((f) => f.type === 'ready', 30_000);
      return { c, server: ready.server };
    } catch (e) {
      c.close();
      throw e;
    }
  }, 2 * MINUTE);
}

let ref = 0;
async function request(c, frame, timeoutMs = 30_000) {
  const r = String(++ref);
  const from = c.frames.length;
  c.send({ ...frame, ref: r });
  const reply = await c.next((f) => f.ref === r, timeoutMs, from);
  assert.notEqual(reply.type, 'error', `${frame.type}: ${JSON.stringify(reply)}`);
  return reply;
}

/** Every stored message of the room, over REST, paging with `after`. */
async function history(token) {
  const all = [];
  for (let after = 0; ;) {
    const { status, json } = await api('GET', `/api/rooms/${room}/messages?after=${after}&limit=100`, null, token);
    assert.equal(status, 200, JSON.stringify(json));
    all.push(...json.messages);
    if (!json.hasMore || json.messages.length === 0) return all;
    after = json.messages.at(-1).seq;
  }
}

/** Waits until every acknowledged clientMsgId is stored exactly once, with gap-free seqs. */
async function assertStored(token, acked) {
  await eventually(`${acked.size} acknowledged messages stored`, async () => {
    const ids = (await history(token)).map((m) => m.clientMsgId);
    return [...acked].every((id) => ids.includes(id));
  }, 2 * MINUTE);
  const messages = await history(token);
  for (const id of acked) {
    assert.equal(messages.filter((m) => m.clientMsgId === id).length, 1, `${id} stored once`);
  }
  messages.forEach((m, i) => assert.equal(m.seq, i + 1, 'seqs without gaps'));
}

/** A client that sends one message at a time until stopped, reconnecting (and resending) when its replica goes. */
function chatter(token, name) {
  const acked = new Set();
  const closeCodes = [];
  let stop = false;
  let n = 0;
  const done = (async () => {
    let { c } = await connect(token);
    while (!stop) {
      const id = `${name}-${++n}`;
      for (;;) {
        try {
          await request(c, { type: 'send', room, body: `message ${id}`, clientMsgId: id }, 20_000);
          acked.add(id);
          break;
        } catch (e) {
          // Closed by a stopping replica (1001) or Nginx: reconnect and resend the same clientMsgId (idempotent).
          closeCodes.push(await Promise.race([c.closed, new Promise((r) => setTimeout(() => r('open'), 1000))]));
          c.close();
          ({ c } = await connect(token));
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    c.close();
  })();
  return { acked, closeCodes, stop: async () => { stop = true; await done; } };
}

const users = {};

step('the stack starts with 3 backends and 2 workers, every health check passing', async () => {
  await compose('up', '-d', '--scale', 'backend=3', '--scale', 'worker=2');
  await stackHealthy(3, 2);
  const nginx = await fetch(`${base}/`);
  assert.equal(nginx.status, 200);
  assert.match(await nginx.text(), /<div id="root"|<script/);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal((await fetch(`${base}/metrics`)).status, 404);
});

step('two clients on different backends register, join and chat through Nginx', async () => {
  for (const name of ['alice', 'bob']) {
    const { status, json } = await api('POST', '/api/auth/register', { username: name, password: `${name}-password-1` });
    assert.equal(status, 201, JSON.stringify(json));
    users[name] = json.token;
  }
  const alice = await connect(users.alice);
  let bob = await connect(users.bob);
  const extra = [];
  while (bob.server === alice.server) {
    extra.push(bob.c);
    assert.ok(extra.length < 10, 'least_conn never put bob on another backend');
    bob = await connect(users.bob);
  }
  extra.forEach((c) => c.close());
  const backends = (await containers()).filter((c) => c.service === 'backend').map((c) => c.hostname);
  assert.ok(backends.includes(alice.server) && backends.includes(bob.server), `${alice.server}, ${bob.server}`);
  await request(alice.c, { type: 'join', room });
  await request(bob.c, { type: 'join', room });
  const from = bob.c.frames.length;
  await request(alice.c, { type: 'send', room, body: 'hello from alice', clientMsgId: 'hello-1' });
  const got = await bob.c.next((f) => f.type === 'message' && f.clientMsgId === 'hello-1', 60_000, from);
  assert.equal(got.sender, 'alice');
  assert.equal(got.seq, 1);
  await request(bob.c, { type: 'send', room, body: 'hi alice', clientMsgId: 'hello-2' });
  assert.equal((await alice.c.next((f) => f.type === 'message' && f.clientMsgId === 'hello-2', 60_000)).seq, 2);
  alice.c.close();
  bob.c.close();
});

step('the migration one-shot ran once and exited 0', async () => {
  const migrate = (await containers()).filter((c) => c.service === 'migrate');
  assert.equal(migrate.length, 1);
  assert.equal(migrate[0].exitCode, 0);
  const { stdout, stderr } = await run('podman', ['logs', migrate[0].id]);
  assert.doesNotMatch(stdout + stderr, /Exception/);
});

step('backends scale to 4 and back to 2 while a client chats, losing nothing', async (t) => {
  const chat = chatter(users.alice, 'scale');
  try {
    await compose('up', '-d', '--no-recreate', '--scale', 'backend=4', '--scale', 'worker=2');
    await stackHealthy(4, 2);
    // Debian's Nginx 1.22 has no `resolve`: it learns the new replica's address when it restarts.
    await compose('restart', 'nginx');
    await stackHealthy(4, 2);
    const backends = (await containers()).filter((c) => c.service === 'backend').map((c) => c.hostname);
    const seen = new Set();
    const open = [];
    await eventually('a connection on each of the 4 backends', async () => {
      const { c, server } = await connect(users.bob);
      open.push(c);
      seen.add(server);
      return backends.every((b) => seen.has(b));
    }, 2 * MINUTE);
    open.forEach((c) => c.close());
    await compose('up', '-d', '--no-recreate', '--scale', 'backend=2', '--scale', 'worker=2');
    await stackHealthy(2, 2);
    const before = chat.acked.size;
    await eventually('more messages acknowledged after the scale-down', async () => chat.acked.size > before + 5);
  } finally {
    await chat.stop();
  }
  t.diagnostic(`${chat.acked.size} messages acknowledged, closes seen: ${JSON.stringify(chat.closeCodes)}`);
  assert.ok(chat.acked.size > 10, `only ${chat.acked.size} messages acknowledged`);
  await assertStored(users.bob, chat.acked);
});

step('a stopped backend closes its clients with 1001 and they reconnect to the other one', async () => {
  const client = await connect(users.alice);
  const victim = (await containers()).find((c) => c.service === 'backend' && c.hostname === client.server);
  assert.ok(victim, `backend ${client.server}`);
  // docker-compose 1.29 stops whole services only; one replica is stopped the way `compose stop` does it.
  await run('podman', ['stop', '-t', '30', victim.id]);
  assert.equal(await client.c.closed, 1001);
  const again = await connect(users.alice);
  assert.notEqual(again.server, client.server);
  await request(again.c, { type: 'send', room, body: 'after the stop', clientMsgId: 'after-stop' });
  again.c.close();
  await compose('start', 'backend');
  await stackHealthy(2, 2);
});

step('Redis restarts with the queue intact (append-only file)', async () => {
  await compose('stop', 'worker');
  const { c } = await connect(users.alice);
  const queued = new Set();
  for (let i = 1; i <= 10; i++) {
    await request(c, { type: 'send', room, body: `queued ${i}`, clientMsgId: `queued-${i}` });
    queued.add(`queued-${i}`);
  }
  c.close();
  const stored = (await history(users.bob)).map((m) => m.clientMsgId);
  assert.ok(![...queued].some((id) => stored.includes(id)), 'no worker ran, so nothing was stored yet');
  await compose('restart', 'redis');
  await compose('start', 'worker');
  await stackHealthy(2, 2);
  await assertStored(users.bob, queued);
});

step('data survives down and up on the volumes', async () => {
  const before = await history(users.bob);
  await compose('down');
  assert.equal((await containers()).length, 0);
  await compose('up', '-d', '--scale', 'backend=2', '--scale', 'worker=1');
  await stackHealthy(2, 1);
  const { status, json } = await api('POST', '/api/auth/login', { username: 'alice', password: 'alice-password-1' });
  assert.equal(status, 200, JSON.stringify(json));
  assert.deepEqual((await history(json.token)).map((m) => m.id), before.map((m) => m.id));
  const migrate = (await containers()).filter((c) => c.service === 'migrate');
  assert.equal(migrate.length, 1);
  assert.equal(migrate[0].exitCode, 0);
});
