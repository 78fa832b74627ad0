import { useCallback, useEffect, useState } from 'react';
import { actionErrorText } from '../api';

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

/**
 * Cursor paging over an admin list (`after` = the last name of the page before): the page shown, the cursors
 * behind it for going back, the last error as a sentence and the outcome of the last change. A new `fetchPage` (another search) starts over at
 * the first page; `fetchPage` must be stable (a useCallback).
 */
export function usePages<T>(fetchPage: (after?: string) => Promise<Page<T>>, cursorOf: (item: T) => string) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const load = useCallback(
    async (after: string | undefined) => {
      try {
        setPage(await fetchPage(after));
        setError(null);
      } catch (e) {
        setError(actionErrorText(e));
      }
    },
    [fetchPage],
  );
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the first page when opened or searched anew
    setCursors([undefined]);
    void load(undefined);
  }, [load]);

  const last = page?.items[page.items.length - 1];
  const reload = () => load(cursors[cursors.length - 1]);
  return {
    page,
    error,
    status,
    /** Runs a change of the list (disable, delete): its text as the status, or the error; then the page again. */
    change: async (run: () => Promise<string>) => {
      setStatus(null);
      try {
        setStatus(await run());
        await reload();
      } catch (e) {
        setError(actionErrorText(e));
      }
    },
    next:
      last && page?.hasMore
        ? () => {
            const after = cursorOf(last);
            setCursors((c) => [...c, after]);
            void load(after);
          }
        : null,
    previous:
      cursors.length > 1
        ? () => {
            const c = cursors.slice(0, -1);
            setCursors(c);
            void load(c[c.length - 1]);
          }
        : null,
  };
}
