/**
 * The app's "Interactive Messages" settings as RingCentral's Developer Console keeps them: the
 * outbound URL that card submissions are POSTed to and the shared secret they are signed with
 * (docs/ringcentral-notes.md §6). The console needs them to send a card click to the app.
 */
import type { EmulatorState } from '../emulator-state.ts';

export interface InteractiveMessages {
  /** e.g. the bot's `http://127.0.0.1:3000/interactive`. */
  url: string;
  /** Signs submissions with `X-Glip-Signature`; none → unsigned. */
  sharedSecret?: string;
}

const settings = new WeakMap<EmulatorState, InteractiveMessages>();

/** Registers the app's interactive-messages URL and shared secret (what a developer does once). */
export function registerInteractiveMessages(state: EmulatorState, value: InteractiveMessages): void {
  settings.set(state, { ...value });
}

/** The registered settings, or undefined when no app registered any. */
export function interactiveMessagesOf(state: EmulatorState): InteractiveMessages | undefined {
  return settings.get(state);
}
