import { useCallback, useEffect, useState } from 'react';
import { actionErrorText } from '../api';

/**
 * Loads something over REST when the component mounts (and again with `reload`): the last value, or the last error
 * as a sentence for the user. `load` must be stable (a useCallback).
 */
export function useLoad<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(null);
    } catch (e) {
      setError(actionErrorText(e));
    }
  }, [load]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loads once when the view opens
    void reload();
  }, [reload]);
  return { data, error, setError, reload };
}
