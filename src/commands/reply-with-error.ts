/**
 * The single sink for a command's failure: a plain sentence the person can act on, with a
 * short reference id that also appears in the log line (docs/architecture.md#the-event-path).
 */
import { isShuttingDown, PlatformError } from '../platform/platform-errors.ts';
import { AvatarError, AvatarQueueFullError, AvatarWorkerError } from '../avatars/avatar-error.ts';
import { BotError, newReferenceId } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { replyForErrorCode } from './error-code-replies.ts';

/** Attempts before a transient failure is reported as final (the dispatcher's DEFAULT_MAX_ATTEMPTS). */
export const FINAL_ATTEMPT = 8;

/**
 * Logs `error` with a new reference id and replies with a sentence for the person.
 * Transient failures before the final attempt (RingCentral rate-limited or unavailable, the
 * image workers' queue full) are reported once ("will retry") and rethrown so the dispatcher
 * retries the event.
 * When the error reply itself can't be posted because RingCentral is busy or unreachable, that
 * failure is thrown (the dispatcher retries, or marks the event failed after the last attempt),
 * so an accepted request is never silently dropped. A removed bot can't reply; that is logged only.
 * A call refused because the bot is shutting down (`details.shuttingDown`) is rethrown at once,
 * without a reply: the dispatcher hands the event to the next start or another instance.
 */
export async function replyWithError(p: {
  error: unknown;
  attempt: number;
  log: Logger;
  reply: (text: string) => Promise<void>;
  maxBytes?: number;
  /**
   * Whether this is the first "RingCentral is slow / busy" note for this person in the current
   * slow spell (shared across events and instances, e.g. a named lease); absent = always.
   */
  firstSlowNote?: () => Promise<boolean>;
}): Promise<void> {
  const { error: e, log } = p;
  // Not the person's problem nor RingCentral's: this process is stopping, the event is handed on.
  if (isShuttingDown(e)) throw e;
  const ref = newReferenceId();
  if (e instanceof PlatformError && (e.kind === 'rate-limited' || e.kind === 'unavailable') && p.attempt < FINAL_ATTEMPT) {
    log.warn({ err: e, ref, kind: e.kind, timedOut: e.details.timedOut }, 'RingCentral busy; the event will be retried');
    // Said once per person per slow spell, on an event's first attempt only: later attempts of
    // the same event, and the person's other requests meanwhile, stay quiet.
    const text = e.details.timedOut ? "RingCentral is slow to answer right now; I'll keep trying." : "RingCentral is busy right now; I'll retry in a moment.";
    if (p.attempt === 1 && (await isFirstSlowNote(p, log))) await safeReply(p, `${text} (ref ${ref})`);
    throw e;
  }
  if (e instanceof AvatarQueueFullError && p.attempt < FINAL_ATTEMPT) {
    log.warn({ err: e, ref }, 'image workers are full; the event will be retried');
    if (p.attempt === 1) await safeReply(p, `I'm working on a lot of photos right now; I'll get to yours in a moment. (ref ${ref})`);
    throw e;
  }
  if (e instanceof PlatformError && e.kind === 'bot-removed') {
    log.error({ err: e, ref }, 'the bot was removed from RingCentral; no reply possible');
    return;
  }
  const { text, level } = describe(e, p.maxBytes);
  log[level]({ err: e, ref }, 'command failed');
  const failed = await safeReply(p, `${text} (ref ${ref})`);
  if (failed && isTransient(failed)) throw failed;
}

/** Asks `firstSlowNote`; when it can't tell (store trouble), the note is said. */
async function isFirstSlowNote(p: { firstSlowNote?: () => Promise<boolean> }, log: Logger): Promise<boolean> {
  if (!p.firstSlowNote) return true;
  try {
    return await p.firstSlowNote();
  } catch (e) {
    log.warn({ err: e }, 'could not tell whether the person already heard that RingCentral is slow');
    return true;
  }
}

function isTransient(e: unknown): e is PlatformError {
  return e instanceof PlatformError && (e.kind === 'rate-limited' || e.kind === 'unavailable');
}

/** Posts `text`; resolves the error when that failed (logged), else undefined. */
async function safeReply(p: { reply: (text: string) => Promise<void>; log: Logger }, text: string): Promise<unknown> {
  try {
    await p.reply(text);
    return undefined;
  } catch (e) {
    p.log.error({ err: e }, 'could not post the error reply');
    return e;
  }
}

function describe(e: unknown, maxBytes?: number): { text: string; level: 'info' | 'warn' | 'error' } {
  if (e instanceof AvatarError) return { text: e.message, level: 'info' };
  if (e instanceof AvatarWorkerError) {
    return { text: "I couldn't process your photo just now (I'm overloaded). Please send it again in a few minutes.", level: 'error' };
  }
  if (e instanceof BotError && e.expose) return { text: e.message, level: 'info' };
  if (e instanceof PlatformError) {
    const byCode = replyForErrorCode(e.details.errorCode);
    if (byCode) return { text: byCode, level: e.details.errorCode === 'CMN-401' ? 'error' : 'info' };
    switch (e.kind) {
      case 'too-large':
        return {
          text: `That file is too large${maxBytes ? ` (the limit is ${Math.floor(maxBytes / (1024 * 1024))} MB)` : ''}. Please send a smaller photo.`,
          level: 'info',
        };
      case 'forbidden-url':
        return { text: 'I can only use files posted in RingCentral itself. Please attach the photo to your message.', level: 'warn' };
      case 'not-found':
        return { text: "I couldn't find that person in this RingCentral account.", level: 'info' };
      case 'forbidden':
        return { text: "RingCentral refused: you don't have the right to do that. If you think you should, ask your RingCentral administrator.", level: 'info' };
      case 'unauthorized':
        return { text: 'Your RingCentral authorization is no longer valid. Say the command again and I will send you a new sign-in link.', level: 'info' };
      case 'bad-request':
        return { text: 'RingCentral did not accept that image. Please try another photo (JPEG or PNG).', level: 'warn' };
      case 'rate-limited':
      case 'unavailable':
        return { text: 'RingCentral is still busy. Please try again in a few minutes.', level: 'warn' };
      default:
        break;
    }
  }
  return { text: 'Sorry, something went wrong on my side.', level: 'error' };
}
