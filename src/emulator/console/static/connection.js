// The live link to the emulator: its change events, and a status line while it is down.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { api } from './api.js';

/**
 * Listens to the emulator's changes for the page's lifetime: `onChange(change)` for each one,
 * `onReconnect()` when the stream opens again after a drop (changes in between were missed, so
 * reload what is shown). The handlers may change between renders. Returns whether the stream is up.
 */
export function useEmulatorEvents(onChange, onReconnect) {
  const [connected, setConnected] = useState(true);
  const handlers = useRef({ onChange, onReconnect });
  handlers.current = { onChange, onReconnect };
  useEffect(() => {
    let dropped = false;
    return api.listen(
      (change) => handlers.current.onChange(change),
      (up) => {
        setConnected(up);
        if (up && dropped) handlers.current.onReconnect();
        dropped ||= !up;
      },
    );
  }, []);
  return connected;
}

/** Says so while the emulator can't be reached; an empty status region otherwise. */
export function ConnectionStatus({ connected }) {
  return html`<p class="connection" role="status">${connected ? '' : 'Disconnected from the emulator — reconnecting…'}</p>`;
}
