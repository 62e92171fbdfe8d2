// Shared by the host facade tests (unit and driver): no addon is loaded here.
import type { StateChange, StateWatch } from '../../lib/host/types.js';

/** Collect `n` changes from a watch, failing after `ms`. */
export async function take(w: StateWatch, n: number, ms = 5_000): Promise<StateChange[]> {
  const out: StateChange[] = [];
  const timer = setTimeout(() => void w.return?.(), ms);
  try {
    for await (const c of w) {
      out.push(c);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}
