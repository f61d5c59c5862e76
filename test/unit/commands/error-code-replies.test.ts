import { describe, expect, it } from 'vitest';
import { ERROR_CODE_REPLIES, replyForErrorCode } from '../../../src/commands/error-code-replies.ts';
import { FINAL_ATTEMPT, replyWithError } from '../../../src/commands/reply-with-error.ts';
import { platformErrorFromResponse } from '../../../src/platform/error-mapping.ts';
import { captureLogger } from '../../helpers/capture-logger.ts';

/** The reply a person gets when RingCentral answers `status` with `errorCode` (through the real error mapping). */
async function replyFor(status: number, errorCode: string): Promise<string> {
  const error = platformErrorFromResponse(status, { errorCode, message: 'from RingCentral', errors: [{ errorCode, message: 'from RingCentral' }] }, { onBotToken: false, what: 'setProfileImage' });
  const replies: string[] = [];
  await replyWithError({ error, attempt: FINAL_ATTEMPT, log: captureLogger().logger, reply: async (t) => void replies.push(t) });
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

describe('plain replies by RingCentral error code', () => {
  // Status as RingCentral documents it (ringcentral-api.md §2.3), and the sentence's key words.
  it.each([
    ['ACT-330', 415, /JPEG or PNG/],
    ['ACT-331', 400, /could not read this image.*send the photo again/],
    ['ACT-332', 403, /isn't assigned to anyone.*assign the extension/],
    ['ACT-333', 404, /no profile photo at that size/],
    ['ACT-334', 400, /more than 12 megapixels.*smaller photo/],
    ['CMN-401', 403, /app isn't allowed.*Edit Extensions.*administrator to add it/],
    ['CMN-408', 403, /role doesn't allow.*Edit User Info.*administrator to grant it/],
    ['CMN-419', 403, /Only an administrator can change another person's photo/],
  ])('%s (HTTP %i)', async (code, status, words) => {
    const text = await replyFor(status, code);
    expect(text).toMatch(words);
    expect(text.startsWith(ERROR_CODE_REPLIES[code]!)).toBe(true);
    expect(text).toMatch(/\(ref [A-Z0-9]{8}\)$/);
  });

  it('chooses by code, not by status: every code keeps its sentence under any status', async () => {
    for (const code of Object.keys(ERROR_CODE_REPLIES)) {
      for (const status of [400, 403, 404, 415, 422]) {
        expect((await replyFor(status, code)).startsWith(ERROR_CODE_REPLIES[code]!), `${code} ${status}`).toBe(true);
      }
    }
  });

  it('gives every code its own sentence', () => {
    const sentences = Object.values(ERROR_CODE_REPLIES);
    expect(new Set(sentences).size).toBe(sentences.length);
    expect(Object.keys(ERROR_CODE_REPLIES).sort()).toEqual(['ACT-330', 'ACT-331', 'ACT-332', 'ACT-333', 'ACT-334', 'CMN-401', 'CMN-408', 'CMN-419']);
  });

  it('has no sentence for unknown codes or inherited names', () => {
    expect(replyForErrorCode('CMN-999')).toBeUndefined();
    expect(replyForErrorCode('toString')).toBeUndefined();
    expect(replyForErrorCode(undefined)).toBeUndefined();
  });

  it('an unknown 403 code gets the general refusal, not the administrator sentence', async () => {
    const text = await replyFor(403, 'CMN-999');
    expect(text).toMatch(/RingCentral refused/);
    expect(text).not.toMatch(/another person's photo/);
  });
});
