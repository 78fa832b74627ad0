// Browser test of standalone mode: one `java -jar parley-server.jar standalone` process on a fresh data directory
// serves the client from the jar and the whole protocol; two users register, join a room and chat.
// Run: npm run build, then package the server (the jar carries web-client/dist), then npm run test:e2e.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { JAVA, SERVER_JAR, freePort, startProcess, stopAll, waitHttpOk, waitUntil } from './stack.mjs';

const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const STARTUP_MS = 120_000;
const UI_MS = 15_000;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-standalone-'));
const suffix = path
  .basename(dataDir)
  .slice(-6)
  .toLowerCase()
  .replace(/[^a-z0-9]/g, 'x');
const password = 'correct horse battery';
let browser;
let url;

const byLabel = (page, name) => page.getByLabel(name, { exact: true });
const button = (page, name) => page.getByRole('button', { name, exact: true });

async function register(username) {
  const page = await browser.newPage();
  await page.goto(url);
  await byLabel(page, 'Username').fill(username);
  await byLabel(page, 'Password').fill(password);
  await button(page, 'Register').click();
  await page.locator('[data-state="open"]').waitFor({ timeout: UI_MS });
  return page;
}

async function join(page, room, how) {
  await byLabel(page, 'Room name').fill(room);
  await button(page, how).click();
  await page.getByRole('heading', { name: `#${room}`, exact: true }).waitFor({ timeout: UI_MS });
}

const messages = (page) =>
  page.getByRole('list', { name: 'Messages', exact: true }).getByRole('listitem').allInnerTexts();

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}/`;
  const server = startProcess('standalone', JAVA, ['-Xmx256m', '-jar', SERVER_JAR, 'standalone'], {
    PARLEY_DATA_DIR: dataDir,
    PARLEY_HTTP_PORT: String(port),
    PARLEY_BCRYPT_COST: '4',
  });
  await waitHttpOk(`http://127.0.0.1:${port}/healthz`, STARTUP_MS, server);
  const shell = await fetch(url);
  assert.equal(shell.status, 200, 'the jar serves the client (build web-client before packaging the server)');
  assert.match(shell.headers.get('content-type'), /^text\/html/);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

test('two users register, join a room and chat on one standalone process', async () => {
  const room = `solo-${suffix}`;
  const a = await register(`ann_${suffix}`);
  const b = await register(`ben_${suffix}`);
  await join(a, room, 'Create room');
  await join(b, room, 'Join');
  const box = byLabel(a, 'Message');
  await box.fill('hello from standalone');
  await box.press('Enter');
  await waitUntil(async () => (await messages(b)).some((m) => m.includes('hello from standalone')), {
    timeoutMs: UI_MS,
    what: 'the message on the other page',
  });
  await waitUntil(async () => (await messages(a)).some((m) => m.includes('hello from standalone')), {
    timeoutMs: UI_MS,
    what: 'the message on the sender page',
  });
});
