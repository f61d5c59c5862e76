import { describe, expect, it } from 'vitest';
import { FINAL_ATTEMPT, replyWithError } from '../../../src/commands/reply-with-error.ts';
import { PlatformError } from '../../../src/platform/platform-errors.ts';
import { AvatarError, AvatarQueueFullError } from '../../../src/avatars/avatar-error.ts';
import { CommandUsageError } from '../../../src/errors.ts';
import { captureLogger } from '../../helpers/capture-logger.ts';

async function replyFor(error: unknown, attempt = FINAL_ATTEMPT, reply?: (t: string) => Promise<void>) {
  const cap = captureLogger();
  const replies: string[] = [];
  let thrown: unknown;
  try {
    await replyWithError({ error, attempt, log: cap.logger, reply: reply ?? (async (t) => void replies.push(t)), maxBytes: 25 * 1024 * 1024 });
  } catch (e) {
    thrown = e;
  }
  return { replies, lines: cap.lines, thrown };
}

describe('replyWithError', () => {
  it('gives a plain sentence with a reference id that is also logged', async () => {
    const { replies, lines } = await replyFor(new PlatformError('forbidden', 'CMN-419', { status: 403, errorCode: 'CMN-419' }));
    expect(replies[0]).toMatch(/^RingCentral refused: .*administrator.* \(ref ([A-Z0-9]{8})\)$/);
    const ref = /ref ([A-Z0-9]{8})/.exec(replies[0]!)![1];
    expect(lines.some((l) => l.ref === ref)).toBe(true);
  });

  it.each([
    [new AvatarError('not-an-image', "That attachment isn't an image."), /isn't an image/],
    [new CommandUsageError('Please attach the photo.'), /Please attach the photo/],
    [new PlatformError('too-large', 'x'), /too large \(the limit is 25 MB\)/],
    [new PlatformError('forbidden-url', 'x'), /files posted in RingCentral/],
    [new PlatformError('not-found', 'x'), /couldn't find that person/],
    [new PlatformError('bad-request', 'x'), /did not accept that image/],
    [new Error('surprise'), /something went wrong on my side/],
  ])('%s', async (error, text) => {
    expect((await replyFor(error)).replies[0]).toMatch(text);
  });

  it('says RingCentral is slow only when firstSlowNote allows it (once per person per spell), and still rethrows', async () => {
    const slow = new PlatformError('unavailable', 'x', { timedOut: true });
    let first = true;
    const firstSlowNote = async () => {
      const was = first;
      first = false;
      return was;
    };
    const replies: string[] = [];
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const cap = captureLogger();
      await replyWithError({ error: slow, attempt: 1, log: cap.logger, reply: async (t) => void replies.push(t), firstSlowNote }).catch((e: unknown) => errors.push(e));
    }
    expect(replies.filter((t) => /slow to answer/.test(t))).toHaveLength(1);
    expect(errors).toEqual([slow, slow, slow]);
    // When the store can't tell, the note is said rather than lost.
    const cap = captureLogger();
    const said: string[] = [];
    await replyWithError({ error: slow, attempt: 1, log: cap.logger, reply: async (t) => void said.push(t), firstSlowNote: () => Promise.reject(new Error('store down')) }).catch(() => undefined);
    expect(said.some((t) => /slow to answer/.test(t))).toBe(true);
  });

  it('reports a busy RingCentral once and rethrows so the event is retried', async () => {
    const busy = new PlatformError('rate-limited', 'x', { status: 429 });
    const first = await replyFor(busy, 1);
    expect(first.thrown).toBe(busy);
    expect(first.replies[0]).toMatch(/busy right now; I'll retry/);
    const second = await replyFor(busy, 2);
    expect(second.thrown).toBe(busy);
    expect(second.replies).toEqual([]);
    const last = await replyFor(busy, FINAL_ATTEMPT);
    expect(last.thrown).toBeUndefined();
    expect(last.replies[0]).toMatch(/still busy/);
  });

  it('says once that RingCentral is slow when a call timed out, then stays quiet on the retries', async () => {
    const slow = new PlatformError('unavailable', 'x', { timedOut: true });
    const first = await replyFor(slow, 1);
    expect(first.thrown).toBe(slow);
    expect(first.replies).toHaveLength(1);
    expect(first.replies[0]).toMatch(/slow to answer right now; I'll keep trying/);
    for (let attempt = 2; attempt < FINAL_ATTEMPT; attempt++) {
      const again = await replyFor(slow, attempt);
      expect(again.thrown).toBe(slow);
      expect(again.replies).toEqual([]);
    }
  });

  it('reports full image workers once, retries, and at the last attempt asks to send the photo again', async () => {
    const full = new AvatarQueueFullError('queue full');
    const first = await replyFor(full, 1);
    expect(first.thrown).toBe(full);
    expect(first.replies[0]).toMatch(/a lot of photos right now; I'll get to yours/);
    const second = await replyFor(full, 2);
    expect(second.thrown).toBe(full);
    expect(second.replies).toEqual([]);
    const last = await replyFor(full, FINAL_ATTEMPT);
    expect(last.thrown).toBeUndefined();
    expect(last.replies[0]).toMatch(/send it again in a few minutes\. \(ref [A-Z0-9]{8}\)$/);
  });

  it('throws when the error reply itself fails because RingCentral is unreachable, so the event is not dropped', async () => {
    const down = new PlatformError('unavailable', 'network down');
    const failing = async () => {
      throw down;
    };
    expect((await replyFor(new PlatformError('not-found', 'x'), FINAL_ATTEMPT, failing)).thrown).toBe(down);
    expect((await replyFor(new PlatformError('unavailable', 'x'), FINAL_ATTEMPT, failing)).thrown).toBe(down);
    const refused = new PlatformError('forbidden', 'no posting here');
    const refusing = async () => {
      throw refused;
    };
    expect((await replyFor(new PlatformError('not-found', 'x'), FINAL_ATTEMPT, refusing)).thrown).toBeUndefined();
  });

  it('stays silent when the bot was removed', async () => {
    const { replies, lines } = await replyFor(new PlatformError('bot-removed', 'x'));
    expect(replies).toEqual([]);
    expect(lines.some((l) => l.msg === 'the bot was removed from RingCentral; no reply possible')).toBe(true);
  });
});
