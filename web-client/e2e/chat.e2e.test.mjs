// Browser test against the real stack: two server replicas, one worker,
// MariaDB and Redis (fresh database and key prefix), and the project's Nginx
// config serving the built client in front of both replicas.
// Run: npm run build && npm run test:e2e   (the jars must be built).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  alertText,
  stored,
  PASSWORD as password,
  PHONE,
  UI_MS,
  assertAccessible,
  button,
  byLabel,
  connectedServer,
  fillAuth,
  items,
  joinRoom,
  launchBrowser,
  messageList,
  newPage,
  register,
  send,
  waitForMessage,
} from './pages.mjs';
import { ARTIFACTS, killHard, startTwoReplicaStack, stopTwoReplicaStack, waitUntil } from './stack.mjs';

let stack;
let browser;
const pages = {};
let suffix;
let userA;
let userB;
// enough to scroll at both widths (and what the README screenshots show)
const CONVERSATION = [
  'Deploy of 2.4 is done on backend-1, rolling on to the next replica',
  'Nice. Anything odd in the logs?',
  'Nothing so far: the sockets moved over and reconnected within a second',
  'The load test kept running the whole time, zero failed requests',
  'Great. Who is on call tonight?',
  'Me. I will keep an eye on the queue depth',
  'Thanks! Ping me if the worker lags behind',
  'Will do. Rolling backend-2 now',
  'Seeing your messages fine from here',
  'backend-2 is back, all replicas on 2.4',
  'Shipping it. Release notes go out at five',
  'See you tomorrow!',
];
const LAST_LINE = CONVERSATION[CONVERSATION.length - 1];

// ------------------------------------------------------------ page helpers

/** The newest message of the open room is fully inside the scrolled list, not under the composer. */
async function assertNewestVisible(page, when) {
  await waitUntil(
    () =>
      page.evaluate(() => {
        const list = document.querySelector('.messages');
        const items = list?.querySelectorAll('li.msg');
        const last = items?.[items.length - 1];
        const composer = document.querySelector('.composer');
        if (!list || !composer) return false;
        if (!last) return true; // an empty room
        const l = list.getBoundingClientRect();
        const m = last.getBoundingClientRect();
        return m.top >= l.top - 1 && m.bottom <= l.bottom + 1 && m.bottom <= composer.getBoundingClientRect().top + 1;
      }),
    {
      timeoutMs: 5_000,
      intervalMs: 100,
      what: `the newest message in view ${when} at ${page.viewportSize().width} px`,
    },
  );
}

/** The room header (title, who is online, the options button) stays one line. */
async function assertHeaderOneLine(page) {
  const heights = await page.evaluate(() => {
    const header = document.querySelector('.room-header');
    const button = header.querySelector('.room-menu button');
    return { header: header.getBoundingClientRect().height, button: button.getBoundingClientRect().height };
  });
  assert.ok(heights.header < heights.button + 30, `room header ${heights.header} px high: more than one line`);
}

function assertNoDuplicates(list) {
  const seqs = list.map(([s]) => s);
  assert.equal(new Set(seqs).size, seqs.length, `duplicate seqs shown: ${seqs.join(',')}`);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, `gap after seq ${seqs[i - 1]}`);
}

// ------------------------------------------------------------ the stack

before(async () => {
  stack = await startTwoReplicaStack();
  suffix = stack.run.id.slice(0, 6);
  userA = `alice_${suffix}`;
  userB = `bob_${suffix}`;
  browser = await launchBrowser();
  // A on a desktop-sized window, B phone-sized; both through Nginx
  pages.a = await newPage(browser, DESKTOP, 'a');
  pages.b = await newPage(browser, PHONE, 'b');
  pages.url = stack.url;
});

after(() => stopTwoReplicaStack(stack, browser));

// ------------------------------------------------------------ the story

test('two users on two replicas chat, reload, and survive a replica crash', async (t) => {
  const { a, b } = pages;

  await t.test('the login page is accessible at both widths', async () => {
    await a.goto(pages.url);
    await b.goto(pages.url);
    await assertAccessible(a, 'the login page');
    await assertAccessible(b, 'the login page');
  });

  await t.test('register both users; Nginx puts them on different replicas', async () => {
    await register(a, pages.url, userA);
    const serverA = await connectedServer(a);
    await register(b, pages.url, userB);
    // least_conn: A's socket holds one replica, so B's goes to the other
    assert.notEqual(await connectedServer(b), serverA);
    assert.equal(await a.title(), 'Parley');
  });

  await t.test('the empty state and the room browser are accessible at both widths', async () => {
    await assertAccessible(a, 'the empty state');
    await assertAccessible(b, 'the empty state');
    assert.match(await a.locator('nav[aria-labelledby="my-rooms-title"]').innerText(), /You are in no room yet/);
    await button(a, 'Browse rooms').click();
    await a.getByText('No rooms yet.').waitFor({ timeout: UI_MS });
    await assertAccessible(a, 'the room browser');
    // an error state: a room name the server would refuse
    await byLabel(b, 'Room name').fill('Not a valid name!');
    await button(b, 'Join').click();
    await b.getByText(/Room names are 1–48 characters/).waitFor({ timeout: UI_MS });
    await assertAccessible(b, 'the room form error');
    await byLabel(b, 'Room name').fill('');
  });

  await t.test('clear messages for a taken name and wrong credentials; log in and out', async () => {
    const ctx = await browser.newContext({ bypassCSP: true });
    try {
      const c = await ctx.newPage();
      await c.goto(pages.url);
      await fillAuth(c, userA.toUpperCase(), password);
      await button(c, 'Register').click();
      assert.match(await alertText(c), /already taken/);
      await assertAccessible(c, 'the login error');
      await fillAuth(c, userA, 'wrong password!');
      await button(c, 'Log in').click();
      await waitUntil(
        async () => /Wrong username or password/.test(await c.locator('form.login-card [role="alert"]').innerText()),
        {
          timeoutMs: UI_MS,
          what: 'the wrong-credentials message',
        },
      );
      await fillAuth(c, userA.toUpperCase(), password);
      await button(c, 'Log in').click();
      assert.match(await connectedServer(c), /^backend-[12]$/);
      await button(c, 'Log out').click();
      await button(c, 'Log in').waitFor({ timeout: UI_MS });
    } finally {
      await ctx.close();
    }
  });

  await t.test('both join one room and exchange messages both ways', async () => {
    await joinRoom(a, 'lobby', 'Create room');
    await joinRoom(b, 'lobby', 'Join');
    for (const page of [a, b]) await assertNewestVisible(page, 'after opening a room');
    await send(a, 'hello from A');
    await waitForMessage(b, 'hello from A');
    const fromA = (await items(b)).find((x) => x.includes('hello from A'));
    assert.match(fromA, new RegExp(userA));
    // one's own messages: "You" and on the right; the others' on the left
    const ownA = a.locator('li.msg', { hasText: 'hello from A' });
    await ownA.waitFor({ timeout: UI_MS });
    assert.match(await ownA.locator('.sender').innerText(), /^You$/);
    const bounds = await Promise.all(
      [
        ownA,
        b.locator('li.msg', { hasText: 'hello from A' }),
        a.locator('.message-list'),
        b.locator('.message-list'),
      ].map((l) => l.boundingBox()),
    );
    const [mine, theirs, listA, listB] = bounds;
    assert.ok(Math.abs(mine.x + mine.width - (listA.x + listA.width)) < 2, 'own message aligned right');
    assert.ok(mine.x > listA.x + 20, 'own message not full width');
    assert.ok(Math.abs(theirs.x - listB.x) < 2, "others' message aligned left");
    assert.ok((await messageList(a).getByText('Today', { exact: true }).count()) === 1, 'a "Today" separator');

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

    // enough messages to scroll, the newest stays in view after each send at both widths
    for (const [i, line] of CONVERSATION.entries()) {
      await send(i % 2 ? b : a, line);
      await waitForMessage(a, line);
    }
    await waitForMessage(b, LAST_LINE);
    for (const page of [a, b]) await assertNewestVisible(page, 'after sending');

    // the composer grows to a few lines, then scrolls
    const draft = byLabel(b, 'Message');
    const oneLine = (await draft.boundingBox()).height;
    await draft.fill(Array.from({ length: 20 }, (_, i) => `draft line ${i}`).join('\n'));
    const grown = await draft.evaluate((el) => ({ height: el.clientHeight, scroll: el.scrollHeight }));
    assert.ok(grown.height > oneLine * 2, `composer grows (${grown.height} px)`);
    assert.ok(grown.height < oneLine * 5, `composer stops at a few lines (${grown.height} px)`);
    assert.ok(grown.scroll > grown.height, 'a longer draft scrolls');
    await assertNewestVisible(b, 'with a long draft');
    await draft.fill('');
  });

  await t.test('who is online and who is typing', async () => {
    const online = a.getByTestId('online');
    await waitUntil(async () => (await online.innerText()).includes(userB), {
      timeoutMs: UI_MS,
      what: `${userB} online`,
    });
    // a third user joining changes the header on both: still one line, the newest message still in view
    const userC = `carol_${suffix}`;
    const ctx = await browser.newContext();
    try {
      const c = await ctx.newPage();
      await register(c, pages.url, userC);
      await joinRoom(c, 'lobby', 'Join');
      for (const page of [a, b]) {
        await waitUntil(async () => (await page.getByTestId('online').innerText()).includes(userC), {
          timeoutMs: UI_MS,
          what: `${userC} online`,
        });
        await assertHeaderOneLine(page);
        await assertNewestVisible(page, 'after presence changed the header');
      }
    } finally {
      await ctx.close();
    }
    await assertAccessible(a, 'a room');
    await assertAccessible(b, 'a room');
    // the dark palette (prefers-color-scheme) must keep its contrast too
    await a.emulateMedia({ colorScheme: 'dark' });
    await assertAccessible(a, 'a room in the dark colour scheme');
    await a.emulateMedia({ colorScheme: 'light' });
    await button(b, 'Room options').click();
    await button(b, 'Leave room').waitFor({ timeout: UI_MS });
    await assertAccessible(b, 'the room options menu');
    await b.keyboard.press('Escape');
    assert.equal(await button(b, 'Leave room').count(), 0);
    await byLabel(b, 'Message').pressSequentially('typing…');
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
    assert.equal(await a.title(), '(1) #lobby · Parley');
    await button(b, 'Rooms').click();
    await b.locator('nav button[data-room="lobby"]').click();
    await b.getByRole('heading', { name: '#lobby', exact: true }).waitFor({ timeout: UI_MS });
  });

  await t.test('history survives a reload', async () => {
    const beforeReload = await stored(a);
    await a.reload();
    await connectedServer(a);
    await waitForMessage(a, 'hello from A');
    await waitForMessage(a, LAST_LINE);
    const afterReload = await stored(a);
    assert.deepEqual(afterReload, beforeReload);
    for (const page of [a, b]) {
      await page.reload();
      await connectedServer(page);
      await waitForMessage(page, LAST_LINE);
      await assertNewestVisible(page, 'after history arrived');
    }
  });

  await t.test('screenshots', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await a.screenshot({ path: path.join(ARTIFACTS, 'screenshot-chat.png') });
    await b.screenshot({ path: path.join(ARTIFACTS, 'screenshot-phone.png') });
  });

  await t.test(
    'a client whose replica crashed moves to the other replica at once and shows what it missed',
    async () => {
      const victim = await connectedServer(a);
      const survivor = victim === 'backend-1' ? 'backend-2' : 'backend-1';
      await killHard(stack.servers[victim]);

      // sent while A's socket is going: stored once, whether it waited for the reconnect or not
      await send(a, 'sent during the failover');
      for (const n of [1, 2, 3]) await send(b, `missed ${n}`);
      await waitForMessage(b, 'missed 3');

      // Nginx sends the new socket to the live replica: no wait for the dead one to come back
      await waitUntil(
        async () => (await a.locator('[data-state="open"]').count()) === 1 && (await connectedServer(a)) === survivor,
        {
          timeoutMs: 30_000,
          what: `A connected to ${survivor}`,
        },
      );
      for (const n of [1, 2, 3]) await waitForMessage(a, `missed ${n}`);
      await waitForMessage(b, 'sent during the failover');
      await waitUntil(async () => (await a.locator('li[data-status]').count()) === 0, {
        timeoutMs: UI_MS,
        what: 'the failover message to be stored',
      });
      await assertNewestVisible(a, 'after the reconnect');

      const shownA = await stored(a);
      const shownB = await stored(b);
      assertNoDuplicates(shownA);
      assert.deepEqual(
        shownA.map(([s]) => s),
        shownB.map(([s]) => s),
      );
      for (const text of ['missed 1', 'missed 2', 'missed 3', 'sent during the failover']) {
        assert.equal(shownA.filter(([, x]) => x.includes(text)).length, 1, `${text} shown once`);
      }

      // live traffic flows again both ways
      await send(a, 'back online');
      await waitForMessage(b, 'back online');
      await send(b, 'welcome back');
      await waitForMessage(a, 'welcome back');
    },
  );

  await t.test('with no replica left, the status tells the real wait and the page stays accessible', async () => {
    await killHard(stack.servers[await connectedServer(a)]);
    const status = a.locator('[data-testid="connection"] [role="status"]');
    const text = await waitUntil(
      async () => {
        const t = await status.innerText();
        return /^Disconnected, retrying in \d+ s$/.test(t) ? t : null;
      },
      { timeoutMs: 30_000, what: 'the retry countdown' },
    );
    const secs = Number(/(\d+) s/.exec(text)[1]);
    assert.ok(secs >= 1 && secs <= 15, `retry in ${secs} s (backoff caps at 15 s)`);
    await assertAccessible(a, 'the disconnected state');
    await b.locator('[data-state="reconnecting"]').waitFor({ timeout: 30_000 });
    await assertAccessible(b, 'the disconnected state');
  });
});
