import type { Me } from '../api';

/** What an account refresh writes. */
export interface AccountHost {
  /** The current connection; a load started on an older one is dropped. */
  generation(): number;
  apply(me: Me): void;
}

/**
 * Keeps the 1.1 account data that only `GET /api/me` has (invites, each room's `private` and `owner`, the role) in
 * the store: loaded after every `ready` and when asked. One load at a time; a refresh asked for while one runs
 * makes that one load again when it ends, so the newest state always wins.
 */
export class AccountSync {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly load: () => Promise<Me>,
    private readonly host: AccountHost,
  ) {}

  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const gen = this.host.generation();
      try {
        const me = await this.load();
        if (gen === this.host.generation() && me && typeof me === 'object') this.host.apply(me);
      } catch {
        // REST down or the session gone: the socket tells the user; the next ready loads again
      }
    } while (this.again);
  }
}
