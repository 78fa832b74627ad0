// Page helpers shared by the browser tests: find things by accessible name (role, label), wait for them, and run
// axe-core. Every wait polls a condition with a deadline.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { waitUntil } from './stack.mjs';

export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
export const UI_MS = 15_000;
export const PASSWORD = 'correct horse battery';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 780 };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Debian's Chromium, headless, without background traffic. */
export function launchBrowser() {
  return chromium.launch({
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
}

/** A desktop- or phone-sized page; bypassCSP lets the test inject axe-core. */
export async function newPage(browser, size, name) {
  const phone = size === PHONE;
  const ctx = await browser.newContext({ viewport: size, bypassCSP: true, isMobile: phone, hasTouch: phone });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`[page ${name}] ${e.message}`));
  return page;
}

export const byLabel = (page, name) => page.getByLabel(name, { exact: true });
export const button = (page, name) => page.getByRole('button', { name, exact: true });
export const messageList = (page) => page.getByRole('list', { name: 'Messages', exact: true });

export async function fillAuth(page, username, pw) {
  await byLabel(page, 'Username').fill(username);
  await byLabel(page, 'Password').fill(pw);
}

export async function register(page, url, username, pw = PASSWORD) {
  await page.goto(url);
  await fillAuth(page, username, pw);
  await button(page, 'Register').click();
  await button(page, 'Log out').waitFor({ timeout: UI_MS });
}

/** Waits for the connection to be open and returns the replica name shown. */
export async function connectedServer(page, timeoutMs = UI_MS) {
  await page.locator('[data-state="open"]').waitFor({ timeout: timeoutMs });
  return (await page.getByTestId('server-name').innerText()).trim();
}

export async function items(page) {
  return messageList(page).getByRole('listitem').allInnerTexts();
}

export async function waitForMessage(page, text, timeoutMs = UI_MS) {
  await waitUntil(async () => (await items(page)).some((t) => t.includes(text)), {
    timeoutMs,
    what: `a message containing ${JSON.stringify(text)}`,
  });
}

export async function joinRoom(page, name, how) {
  await byLabel(page, 'Room name').fill(name);
  await button(page, how).click();
  await page.getByRole('heading', { name: `#${name}`, exact: true }).waitFor({ timeout: UI_MS });
}

export async function send(page, text) {
  const box = byLabel(page, 'Message');
  await box.fill(text);
  await box.press('Enter');
}

/**
 * axe-core in the page, every rule it runs by default; any violation fails the test. The script is injected by
 * Playwright (the contexts bypass the CSP for it), never shipped with the client.
 */
export async function assertAccessible(page, view) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `axe-core violations on ${view} at ${page.viewportSize().width} px`);
}

/** The login form's error text, once there is one. */
export async function alertText(page) {
  const alert = page.locator('form.login-card [role="alert"]');
  await waitUntil(async () => (await alert.innerText()).trim().length > 0, {
    timeoutMs: UI_MS,
    what: 'an error message',
  });
  return (await alert.innerText()).trim();
}

/** The stored messages shown (not pending ones): [seq, text]. */
export async function stored(page) {
  return messageList(page)
    .locator('li[data-seq]')
    .evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-seq')), e.innerText]));
}
