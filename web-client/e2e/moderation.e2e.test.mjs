// Browser test of PROTOCOL.md 1.1 against the real stack (two replicas, a worker, MariaDB, Redis, Nginx): private
// rooms and invites, editing and deleting messages (live and after a reload), removal and bans by the room's owner,
// and the admin page (users, disable with the 4003 close, room deletion, the overview). Everything is found by
// accessible name; axe-core checks each new view at 1280 and 390 px.
// Run: npm run build && npm run test:e2e   (the jars must be built).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PASSWORD,
  PHONE,
  UI_MS,
  alertText,
  assertAccessible,
  button,
  byLabel,
  connectedServer,
  fillAuth,
  joinRoom,
  launchBrowser,
  messageList,
  newPage,
  register,
  send,
  waitForMessage,
} from './pages.mjs';
import { ARTIFACTS, adminCli, startTwoReplicaStack, stopTwoReplicaStack, waitUntil } from './stack.mjs';

let stack;
let browser;
const p = {};
const users = {};
const SECRET = 'secret';

/** The list item of the message whose text contains `text`. */
const message = (page, text) => messageList(page).getByRole('listitem').filter({ hasText: text });

async function waitText(locator, pattern, what) {
  await waitUntil(async () => pattern.test(await locator.innerText()), { timeoutMs: UI_MS, what });
}

async function notice(page, pattern) {
  const toast = page.getByRole('alert').filter({ hasText: pattern });
  await toast.waitFor({ timeout: UI_MS });
  await toast.getByRole('button', { name: 'Dismiss' }).click();
}

/** Room options → the settings panel (invite, remove, ban). */
async function openSettings(page) {
  await button(page, 'Room options').click();
  await page.getByRole('button', { name: /^(Members and bans|Invite people)$/ }).click();
  await page.getByRole('heading', { name: 'Room settings' }).waitFor({ timeout: UI_MS });
}

async function moderate(page, username, action) {
  await byLabel(page, 'Member username').fill(username);
  await button(page, action).click();
  await waitText(
    page.locator('#moderate-username-result'),
    new RegExp(`(Removed|Banned) ${username}`),
    `${action} ${username}`,
  );
}

async function invite(page, username) {
  await byLabel(page, 'Invite by username').fill(username);
  await button(page, 'Invite').click();
  await waitText(page.locator('#invite-username-result'), new RegExp(`Invited ${username}`), 'the invite');
}

/** Bob (phone) accepts the invitation to the secret room from the sidebar; `seen` runs once it shows. */
async function acceptInvite(page, seen = async () => undefined) {
  if (await button(page, 'Rooms').isVisible()) {
    if ((await button(page, 'Rooms').getAttribute('aria-expanded')) === 'false') await button(page, 'Rooms').click();
  }
  const accept = button(page, `Accept invitation to #${SECRET}`);
  await waitUntil(
    async () => {
      if ((await accept.count()) === 1) return true;
      await button(page, 'Check for invitations').click();
      return false;
    },
    { timeoutMs: UI_MS, intervalMs: 500, what: 'the invitation' },
  );
  await seen();
  await accept.click();
  await page.getByRole('heading', { name: `#${SECRET}`, exact: true }).waitFor({ timeout: UI_MS });
}

async function logIn(page, username) {
  await page.goto(stack.url);
  await fillAuth(page, username, PASSWORD);
  await button(page, 'Log in').click();
}

before(async () => {
  stack = await startTwoReplicaStack();
  const suffix = stack.run.id.slice(0, 6);
  Object.assign(users, { owner: `olga_${suffix}`, bob: `bob_${suffix}`, admin: `ada_${suffix}` });
  // admins come from the command line only
  const out = adminCli(stack.run, ['create', users.admin], PASSWORD);
  assert.match(out + adminCli(stack.run, ['list']), new RegExp(users.admin));
  browser = await launchBrowser();
  p.owner = await newPage(browser, DESKTOP, 'owner');
  p.bob = await newPage(browser, PHONE, 'bob');
  p.admin = await newPage(browser, DESKTOP, 'admin');
});

after(() => stopTwoReplicaStack(stack, browser));

test('private rooms, edits and deletions, moderation and the admin page', async (t) => {
  const { owner, bob, admin } = p;

  await t.test('the owner creates a private room; without an invite it cannot be joined', async () => {
    await register(owner, stack.url, users.owner);
    await register(bob, stack.url, users.bob);
    await byLabel(owner, 'Room name').fill(SECRET);
    await owner.getByRole('checkbox', { name: 'Private room' }).check();
    await button(owner, 'Create room').click();
    await owner.getByRole('heading', { name: `#${SECRET}`, exact: true }).waitFor({ timeout: UI_MS });
    const header = owner.locator('.room-header');
    await waitText(header, /Private/, 'the Private tag');
    await waitText(header, /Owner/, 'the Owner tag');
    await waitText(
      owner.getByRole('navigation', { name: 'Your rooms' }),
      new RegExp(`#${SECRET} private`),
      'private in the list',
    );
    await byLabel(bob, 'Room name').fill(SECRET);
    await button(bob, 'Join').click();
    await bob.getByText('That room is private: you need an invite to join it.').waitFor({ timeout: UI_MS });
    await assertAccessible(bob, 'the private room refusal');
    // a private room is not listed to others
    await button(bob, 'Browse rooms').click();
    await bob.getByText('No rooms yet.').waitFor({ timeout: UI_MS });
  });

  await t.test('the owner invites by username; the invited user sees and accepts the invitation', async () => {
    await openSettings(owner);
    await assertAccessible(owner, 'the room settings');
    await invite(owner, users.bob);
    await button(owner, 'Close settings').click();
    await acceptInvite(bob, () => assertAccessible(bob, 'the invitations'));
    await assertAccessible(bob, 'a private room');
    // any member of a private room invites: the settings at phone width
    await openSettings(bob);
    await byLabel(bob, 'Invite by username').waitFor({ timeout: UI_MS });
    assert.equal(await byLabel(bob, 'Member username').count(), 0, 'no moderation for a plain member');
    await assertAccessible(bob, 'the room settings');
    await button(bob, 'Close settings').click();
    await send(owner, 'welcome to the private room');
    await waitForMessage(bob, 'welcome to the private room');
  });

  await t.test('edit and delete of one own messages, shown in place on both pages', async () => {
    await send(bob, 'helo wrld');
    await waitForMessage(owner, 'helo wrld');
    // bob may not edit or delete the owner's message
    const theirs = message(bob, 'welcome to the private room');
    assert.equal(await theirs.getByRole('button').count(), 0, 'no actions on the owner message for bob');

    const mine = message(bob, 'helo wrld');
    await mine.getByRole('button', { name: 'Edit', exact: true }).click();
    const box = bob.getByRole('textbox', { name: 'Edit message' });
    assert.equal(await box.inputValue(), 'helo wrld');
    await assertAccessible(bob, 'a message being edited');
    await box.fill('hello world');
    await box.press('Enter');
    for (const page of [bob, owner]) {
      await waitText(message(page, 'hello world'), /\(edited\)/, 'the edited message');
      assert.equal(await message(page, 'helo wrld').count(), 0);
    }

    await send(bob, 'oops, wrong room');
    await waitForMessage(owner, 'oops, wrong room');
    await message(bob, 'oops, wrong room').getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = bob.getByRole('group', { name: 'Confirm delete' });
    await assertAccessible(bob, 'the delete confirmation');
    await confirm.getByRole('button', { name: 'Delete message' }).click();
    for (const page of [bob, owner]) {
      await waitUntil(async () => (await message(page, 'oops, wrong room').count()) === 0, {
        timeoutMs: UI_MS,
        what: 'the deleted text gone',
      });
      await messageList(page).getByText('This message was deleted.').first().waitFor({ timeout: UI_MS });
    }
  });

  await t.test('the owner deletes any message; edits and deletions survive a reload', async () => {
    await send(bob, 'spam from bob');
    await waitForMessage(owner, 'spam from bob');
    const spam = message(owner, 'spam from bob');
    assert.equal(await spam.getByRole('button', { name: 'Edit', exact: true }).count(), 0, 'owner cannot edit it');
    await spam.getByRole('button', { name: 'Delete', exact: true }).click();
    await owner.getByRole('button', { name: 'Delete message' }).click();
    await waitUntil(async () => (await message(bob, 'spam from bob').count()) === 0, {
      timeoutMs: UI_MS,
      what: 'the spam gone on bob page',
    });
    for (const page of [owner, bob]) {
      await page.reload();
      await connectedServer(page);
      await waitForMessage(page, 'hello world');
      await waitText(message(page, 'hello world'), /\(edited\)/, 'edited after the reload');
      const texts = await messageList(page).getByRole('listitem').allInnerTexts();
      assert.equal(texts.filter((x) => x.includes('This message was deleted.')).length, 2, texts.join(' | '));
      assert.ok(!texts.some((x) => /oops|spam|helo wrld/.test(x)), 'no deleted or replaced text after the reload');
    }
    await assertAccessible(owner, 'a room with edited and deleted messages');
    await owner.screenshot({ path: path.join(ARTIFACTS, 'screenshot-edits.png') });
  });

  await t.test('the owner removes, then bans a member; the member is told and kept out', async () => {
    await openSettings(owner);
    await moderate(owner, users.bob, 'Remove from room');
    await notice(bob, new RegExp(`You are no longer in #${SECRET}: removed by ${users.owner}`));
    await waitText(owner.getByTestId('activity'), new RegExp(`${users.bob} was removed by ${users.owner}`), 'activity');
    assert.equal(await bob.locator(`nav button[data-room="${SECRET}"]`).count(), 0);

    await invite(owner, users.bob);
    await acceptInvite(bob);
    await moderate(owner, users.bob, 'Ban');
    await notice(bob, new RegExp(`You are no longer in #${SECRET}: removed by ${users.owner}`));
    await waitText(owner.getByTestId('activity'), new RegExp(`${users.bob} was banned by ${users.owner}`), 'activity');
    await owner.getByRole('button', { name: `Lift ban of ${users.bob}` }).waitFor({ timeout: UI_MS });
    await assertAccessible(owner, 'the room settings with a ban');

    await byLabel(bob, 'Room name').fill(SECRET);
    await button(bob, 'Join').click();
    await bob.getByText('You are banned from this room.').waitFor({ timeout: UI_MS });
    await owner.getByRole('button', { name: `Lift ban of ${users.bob}` }).click();
    await owner.getByText('Nobody is banned.').waitFor({ timeout: UI_MS });
    await button(owner, 'Close settings').click();
  });

  await t.test('the admin page: overview, users with search, disable (4003) and enable', async () => {
    await logIn(admin, users.admin);
    await button(admin, 'Admin').click();
    await admin.getByRole('heading', { name: 'Administration' }).waitFor({ timeout: UI_MS });
    await waitText(admin.getByRole('list', { name: 'Replicas' }), /backend-[12]: \d+ connections?/, 'the replicas');
    await waitText(admin.getByTestId('stored-last-minute'), /^[1-9]\d*$/, 'messages stored in the last minute');
    await assertAccessible(admin, 'the admin page');
    await admin.screenshot({ path: path.join(ARTIFACTS, 'screenshot-admin.png') });
    await admin.setViewportSize(PHONE);
    await assertAccessible(admin, 'the admin page');
    await admin.setViewportSize(DESKTOP);

    await byLabel(admin, 'Search users').fill('bob_');
    await button(admin, 'Search').click();
    const table = admin.getByRole('table', { name: 'Users' });
    await waitUntil(async () => (await table.getByRole('rowheader').allInnerTexts()).join() === users.bob, {
      timeoutMs: UI_MS,
      what: 'the search to find only bob',
    });
    await button(admin, `Disable ${users.bob}`).click();
    await button(admin, `Enable ${users.bob}`).waitFor({ timeout: UI_MS });
    // bob's open page: closed with 4003 within 5 s, back at the login with the reason, no reconnecting
    await bob.getByText('Your account has been disabled. Contact an administrator.').waitFor({ timeout: 10_000 });
    await fillAuth(bob, users.bob, PASSWORD);
    await button(bob, 'Log in').click();
    assert.match(await alertText(bob), /This account has been disabled/);
    await assertAccessible(bob, 'the disabled account login');

    await button(admin, `Enable ${users.bob}`).click();
    await button(admin, `Disable ${users.bob}`).waitFor({ timeout: UI_MS });
    await button(bob, 'Log in').click();
    await connectedServer(bob);
  });

  await t.test('an admin deletes any message in a room; then the room; its members are told', async () => {
    await joinRoom(owner, 'doomed', 'Create room');
    await send(owner, 'an admin will remove this');
    await button(admin, 'Back to chat').click();
    await joinRoom(admin, 'doomed', 'Join');
    const target = message(admin, 'an admin will remove this');
    await target.waitFor({ timeout: UI_MS });
    assert.equal(await target.getByRole('button', { name: 'Edit', exact: true }).count(), 0, 'admins do not edit');
    await target.getByRole('button', { name: 'Delete', exact: true }).click();
    await admin.getByRole('button', { name: 'Delete message' }).click();
    await waitUntil(async () => (await message(owner, 'an admin will remove this').count()) === 0, {
      timeoutMs: UI_MS,
      what: "the admin's deletion on the owner's page",
    });
    await button(admin, 'Admin').click();
    const del = button(admin, 'Delete #doomed');
    await del.waitFor({ timeout: UI_MS });
    // every room, the private one too
    assert.equal(await button(admin, `Delete #${SECRET}`).count(), 1);
    await del.click();
    await assertAccessible(admin, 'the room delete confirmation');
    await button(admin, 'Delete #doomed for everyone').click();
    await admin.getByText('#doomed was deleted.').waitFor({ timeout: UI_MS });
    await notice(owner, new RegExp(`You are no longer in #doomed: removed by ${users.admin}`));
    assert.equal(await owner.locator('nav button[data-room="doomed"]').count(), 0);
  });
});
