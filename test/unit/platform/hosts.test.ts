import { describe, expect, it } from 'vitest';
import { classifyAttachmentUrl } from '../../../src/platform/attachment-download.ts';
import { mediaServerUrlFor } from '../../../src/platform/create-ringcentral-platform.ts';

describe('mediaServerUrlFor', () => {
  it('maps RingCentral platform hosts to their media entry point', () => {
    expect(mediaServerUrlFor('https://platform.ringcentral.com')).toBe('https://media.ringcentral.com');
    expect(mediaServerUrlFor('https://platform.devtest.ringcentral.com/')).toBe('https://media.devtest.ringcentral.com');
  });
  it('keeps any other server (the emulator serves media itself)', () => {
    expect(mediaServerUrlFor('http://127.0.0.1:3001')).toBe('http://127.0.0.1:3001');
    expect(mediaServerUrlFor('https://platform.ringcentral.com.evil.example')).toBe('https://platform.ringcentral.com.evil.example');
  });
});

describe('classifyAttachmentUrl', () => {
  const policy = {
    trustedOrigins: ['http://127.0.0.1:3001', 'https://media.ringcentral.com'],
    extraHosts: ['files.example-cdn.net'],
    filePathPrefixes: ['/web/customer_files/', '/files/'],
  };
  it.each([
    ['http://127.0.0.1:3001/files/1', { allowed: true, sendToken: true }],
    ['https://media.ringcentral.com/web/customer_files/1/a.png?Signature=x', { allowed: true, sendToken: true }],
    // API paths on RingCentral's own origins are never fetched as attachments (least privilege).
    ['https://media.ringcentral.com/restapi/v1.0/glip/files/1', { allowed: false, sendToken: false }],
    ['http://127.0.0.1:3001/restapi/v1.0/account/~/extension', { allowed: false, sendToken: false }],
    ['http://127.0.0.1:3001/files/%2e%2e/restapi/v1.0/account/~', { allowed: false, sendToken: false }],
    ['http://127.0.0.1:3001/other/1', { allowed: false, sendToken: false }],
    ['https://dl.ringcentral.com/team-messaging/v1/chats', { allowed: false, sendToken: false }],
    ['https://dl.ringcentral.com/x?Signature=1', { allowed: true, sendToken: false }],
    ['https://a.b.ringcentral.biz/x', { allowed: true, sendToken: false }],
    ['https://files.example-cdn.net/x', { allowed: true, sendToken: false }],
    ['http://dl.ringcentral.com/x', { allowed: false, sendToken: false }],
    ['http://127.0.0.1:3002/files/1', { allowed: false, sendToken: false }],
    ['https://ringcentral.com.evil.example/x', { allowed: false, sendToken: false }],
    ['https://user:pass@media.ringcentral.com/x', { allowed: false, sendToken: false }],
    ['ftp://media.ringcentral.com/x', { allowed: false, sendToken: false }],
  ])('%s', (url, expected) => {
    expect(classifyAttachmentUrl(url, policy)).toEqual(expected);
  });
});
