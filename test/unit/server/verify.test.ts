import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signGlipBody, verifyGlipSignature } from '../../../src/server/verify-glip-signature.ts';
import { verifyVerificationToken } from '../../../src/server/verify-verification-token.ts';

describe('verifyGlipSignature', () => {
  const body = Buffer.from('{"type":"button_submit","data":{"action":"help"}}');
  const hex = crypto.createHmac('sha1', 'shh').update(body).digest('hex');

  it('accepts sha1=<hex> and bare hex, any case', () => {
    expect(verifyGlipSignature(body, `sha1=${hex}`, 'shh')).toBe(true);
    expect(verifyGlipSignature(body, hex, 'shh')).toBe(true);
    expect(verifyGlipSignature(body, `SHA1=${hex.toUpperCase()}`, 'shh')).toBe(true);
    expect(signGlipBody(body, 'shh')).toBe(`sha1=${hex}`);
  });

  it('refuses a wrong secret, a changed body, garbage and absence', () => {
    expect(verifyGlipSignature(body, `sha1=${hex}`, 'other')).toBe(false);
    expect(verifyGlipSignature(Buffer.from(body.toString().replace('help', 'show')), hex, 'shh')).toBe(false);
    expect(verifyGlipSignature(body, 'sha1=xyz', 'shh')).toBe(false);
    expect(verifyGlipSignature(body, hex.slice(0, 38), 'shh')).toBe(false);
    expect(verifyGlipSignature(body, undefined, 'shh')).toBe(false);
    expect(verifyGlipSignature(body, hex, '')).toBe(false);
  });
});

describe('verifyVerificationToken', () => {
  it('accepts the exact token only', () => {
    expect(verifyVerificationToken('abcdefabcdefabcdef', 'abcdefabcdefabcdef')).toBe(true);
    expect(verifyVerificationToken('abcdefabcdefabcdeX', 'abcdefabcdefabcdef')).toBe(false);
    expect(verifyVerificationToken('short', 'abcdefabcdefabcdef')).toBe(false);
    expect(verifyVerificationToken(undefined, 'abcdefabcdefabcdef')).toBe(false);
    expect(verifyVerificationToken('', '')).toBe(false);
  });
});
