// Browser test against the real stack: two server replicas, one worker,
// MariaDB and Redis (fresh database and key prefix), the built client served
// twice by `vite preview`, each proxying to a different replica.
// Run: npm run build && npm run test:e2e   (the jars must be built).
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS,
  cleanupData,
  freePort,
  isolatedEnv,
  killHard,
  requireBuilt,
  startPreview,
  startServer,
  startWorker,
  stopAll,
  waitHttpOk,
  waitUntil,
} from './stack.mjs';

const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const STARTUP_MS = 120_000; // two JVMs and a worker on a shared 2-core machine
const UI_MS = 15_000;

const run = isolatedEnv();
const stack = {};
let browser;
const pages = {};
const suffix = run.id.slice(0, 6);
const userA = `alice_${suffix}`;
const userB = `bob_${suffix}`;
const password = 'correct horse battery';

// ------------------------------------------------------------ page helpers

const byLabel = (page, name) => page.getByLabel(name, { exact: true });
const button = (page, name) => page.getByRole('button', { name, exact: true });
const messageList = (page) => page.getByRole('list', { name: 'Messages', exact: true });

async function fillAuth(page, username, pw) {
  await byLabel(page, 'Username').fill(username);
  await byLabel(page, 'Password').fill(pw);
}

async function alertText(page) {
  const alert = page.locator('form.login-card [role="alert"]');
  await waitUntil(async () => (await alert.innerText()).trim().length > 0, { timeoutMs: UI_MS, what: 'an error message' });
  return (await alert.innerText()).trim();
}

async function register(page, url, username) {
  await page.goto(url);
  await fillAuth(page, username, password);
  await button(page, 'Register').click();
  await button(page, 'Log out').waitFor({ timeout: UI_MS });
}

/** Waits for the connection to be open and returns the replica name shown. */
async function connectedServer(page, timeoutMs = UI_MS) {
  await page.locator('[data-state="open"]').waitFor({ timeout: timeoutMs });
  return (await page.getByTestId('server-name').innerText()).trim();
}

async function items(page) {
  return messageList(page).getByRole('listitem').allInnerTexts();
}

async function waitForMessage(page, text, timeoutMs = UI_MS) {
  await waitUntil(async () => (await items(page)).some((t) => t.includes(text)), {
    timeoutMs,
    what: `a message containing ${JSON.stringify(text)}`,
  });
}

/** The stored messages shown (not pending ones): [seq, text]. */
async function stored(page) {
  return messageList(page)
    .locator('li[data-seq]')
    .evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-seq')), e.innerText]));
}

async function joinRoom(page, name, how) {
  await byLabel(page, 'Room name').fill(name);
  await button(page, how).click();
  await page.getByRole('heading', { name: `#${name}`, exact: true }).waitFor({ timeout: UI_MS });
}

async function send(page, text) {
  const box = byLabel(page, 'Message');
  await box.fill(text);
  await box.press('Enter');
}

function assertNoDuplicates(list) {
  const seqs = list.map(([s]) => s);
  assert.equal(new Set(seqs).size, seqs.length, `duplicate seqs shown: ${seqs.join(',')}`);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, `gap after seq ${seqs[i - 1]}`);
}

// ------------------------------------------------------------ the stack

before(async () => {
  requireBuilt();
  rmSync(path.join(ARTIFACTS, 'logs'), { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const [p1, p2, w1, w2] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  Object.assign(stack, { p1, p2, w1, w2 });
  // the first replica applies the migrations alone; the second starts once it is ready
  stack.server1 = startServer('server-1', 'backend-1', p1, run.env);
  await waitHttpOk(`http://127.0.0.1:${p1}/readyz`, STARTUP_MS, stack.server1);
  stack.server2 = startServer('server-2', 'backend-2', p2, run.env);
  stack.worker = startWorker(run.env);
  stack.web1 = startPreview('preview-1', w1, p1);
  stack.web2 = startPreview('preview-2', w2, p2);
  await Promise.all([
    waitHttpOk(`http://127.0.0.1:${p2}/readyz`, STARTUP_MS, stack.server2),
    waitHttpOk(`http://127.0.0.1:${w1}/`, STARTUP_MS, stack.web1),
    waitHttpOk(`http://127.0.0.1:${w2}/`, STARTUP_MS, stack.web2),
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  // A on a desktop-sized window through replica 1, B phone-sized through replica 2
  const ctxA = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const ctxB = await browser.newContext({ viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true });
  pages.a = await ctxA.newPage();
  pages.b = await ctxB.newPage();
  for (const [k, p] of Object.entries(pages)) {
    p.on('pageerror', (e) => console.error(`[page ${k}] ${e.message}`));
  }
  pages.urlA = `http://127.0.0.1:${w1}/`;
  pages.urlB = `http://127.0.0.1:${w2}/`;
});

after(async () => {
  try {
    await browser?.close();
  } finally {
    await stopAll();
    cleanupData(run.id, run.env);
  }
});

// ------------------------------------------------------------ the story

test('two users on two replicas chat, reload, and survive a replica crash', async (t) => {
  const { a, b } = pages;

  await t.test('register both users, each lands on its own replica', async () => {
    await register(a, pages.urlA, userA);
    await register(b, pages.urlB, userB);
    assert.equal(await connectedServer(a), 'backend-1');
    assert.equal(await connectedServer(b), 'backend-2');
  });

  await t.test('clear messages for a taken name and wrong credentials; log in and out', async () => {
    const ctx = await browser.newContext();
    try {
      const c = await ctx.newPage();
      await c.goto(pages.urlA);
      await fillAuth(c, userA.toUpperCase(), password);
      await button(c, 'Register').click();
      assert.match(await alertText(c), /already taken/);
      await fillAuth(c, userA, 'wrong password!');
      await button(c, 'Log in').click();
      await waitUntil(async () => /Wrong username or password/.test(await c.locator('form.login-card [role="alert"]').innerText()), {
        timeoutMs: UI_MS,
        what: 'the wrong-credentials message',
      });
      await fillAuth(c, userA.toUpperCase(), password);
      await button(c, 'Log in').click();
      assert.equal(await connectedServer(c), 'backend-1');
      await button(c, 'Log out').click();
      await button(c, 'Log in').waitFor({ timeout: UI_MS });
    } finally {
      await ctx.close();
    }
  });

  await t.test('both join one room and exchange messages both ways', async () => {
    await joinRoom(a, 'lobby', 'Create room');
    await joinRoom(b, 'lobby', 'Join');
    await send(a, 'hello from A');
    await waitForMessage(b, 'hello from A');
    const fromA = (await items(b)).find((x) => x.includes('hello from A'));
    assert.match(fromA, new RegExp(userA));

    // B uses the Send button; the body is shown as text, never as HTML
    await byLabel(b, 'Message').fill('hi from B <b>not bold</b>');
    await button(b, 'Send').click();
    await waitForMessage(a, 'hi from B <b>not bold</b>');
    assert.equal(await messageList(a).locator('b').count(), 0);

    // Shift+Enter makes a new line, Enter sends
    const box = byLabel(a, 'Message');
    await box.fill('');
    await box.pressSequentially('line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    await box.press('Enter');
    await waitForMessage(b, 'line one\nline two');
    await waitUntil(async () => (await a.locator('li[data-status]').count()) === 0, {
      timeoutMs: UI_MS,
      what: "A's pending messages to turn into stored ones",
    });
    assertNoDuplicates(await stored(a));
    assertNoDuplicates(await stored(b));
  });

  await t.test('who is online and who is typing', async () => {
    const online = a.getByTestId('online');
    await waitUntil(async () => (await online.innerText()).includes(userB), { timeoutMs: UI_MS, what: `${userB} online` });
    await byLabel(b, "Message").pressSequentially('typing…');
    await waitUntil(async () => (await a.getByTestId('typing').innerText()).includes(`${userB} is typing`), {
      timeoutMs: UI_MS,
      what: 'the typing notice',
    });
    await byLabel(b, 'Message').fill('');
  });

  await t.test('unread count on a room that is not open', async () => {
    await joinRoom(a, 'side', 'Create room');
    await a.locator('nav button[data-room="lobby"]').click();
    await a.getByRole('heading', { name: '#lobby', exact: true }).waitFor({ timeout: UI_MS });
    // B is phone-sized: the Rooms button shows the room list
    await button(b, 'Rooms').click();
    await joinRoom(b, 'side', 'Join');
    await send(b, 'psst, over here');
    await waitForMessage(b, 'psst, over here');
    const badge = a.locator('nav button[data-room="side"] [data-testid="unread"]');
    await waitUntil(async () => (await badge.count()) === 1 && (await badge.innerText()).startsWith('1'), {
      timeoutMs: UI_MS,
      what: 'an unread count of 1 on #side',
    });
    await button(b, 'Rooms').click();
    await b.locator('nav button[data-room="lobby"]').click();
    await b.getByRole('heading', { name: '#lobby', exact: true }).waitFor({ timeout: UI_MS });
  });

  await t.test('history survives a reload', async () => {
    const beforeReload = await stored(a);
    await a.reload();
    assert.equal(await connectedServer(a), 'backend-1');
    await waitForMessage(a, 'hello from A');
    const afterReload = await stored(a);
    assert.deepEqual(afterReload, beforeReload);
  });

  await t.test('a client whose replica crashed reconnects by itself and shows what it missed', async () => {
    await killHard(stack.server1);
    await a.locator('[data-state="reconnecting"]').waitFor({ timeout: 60_000 });

    // sent while offline: pending now, stored once after the reconnect
    await send(a, 'queued while offline');
    await a.locator('li[data-status="sending"]').waitFor({ timeout: UI_MS });

    for (const n of [1, 2, 3]) await send(b, `missed ${n}`);
    await waitForMessage(b, 'missed 3');

    stack.server1 = startServer('server-1', 'backend-1', stack.p1, run.env);
    await waitHttpOk(`http://127.0.0.1:${stack.p1}/readyz`, STARTUP_MS, stack.server1);
    assert.equal(await connectedServer(a, 60_000), 'backend-1');
    for (const n of [1, 2, 3]) await waitForMessage(a, `missed ${n}`);
    await waitForMessage(b, 'queued while offline');
    await waitUntil(async () => (await a.locator('li[data-status]').count()) === 0, {
      timeoutMs: UI_MS,
      what: 'the queued message to be stored',
    });

    const shownA = await stored(a);
    const shownB = await stored(b);
    assertNoDuplicates(shownA);
    assert.deepEqual(
      shownA.map(([s]) => s),
      shownB.map(([s]) => s),
    );
    for (const text of ['missed 1', 'missed 2', 'missed 3', 'queued while offline']) {
      assert.equal(shownA.filter(([, x]) => x.includes(text)).length, 1, `${text} shown once`);
    }

    // live traffic flows again both ways
    await send(a, 'back online');
    await waitForMessage(b, 'back online');
    await send(b, 'welcome back');
    await waitForMessage(a, 'welcome back');
  });

  await t.test('screenshots', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await a.screenshot({ path: path.join(ARTIFACTS, 'screenshot-chat.png') });
    await b.screenshot({ path: path.join(ARTIFACTS, 'screenshot-phone.png') });
  });
});
