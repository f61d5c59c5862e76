import { describe, expect, it } from 'vitest';
import { loadConfig, SETTING_NAMES } from '../../../src/config.ts';
import { ConfigError } from '../../../src/errors.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const app = {
  RINGCENTRAL_SERVER_URL: 'https://platform.ringcentral.com/',
  RINGCENTRAL_CLIENT_ID: 'id',
  RINGCENTRAL_CLIENT_SECRET: 'secret',
  TOKEN_ENCRYPTION_KEY: KEY,
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses demo mode with defaults when no RingCentral setting is given', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('demo');
    expect(c.ringcentral).toBeUndefined();
    expect(c.databaseUrl).toBe('file:./data/bot.sqlite');
    expect(c.databaseUrlIsDefault).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1'); // the demo stays on this machine
    expect(c.emulatorPort).toBe(3001);
    expect(c.auditCron).toBe('0 9 * * 1-5');
    expect(c.auditTimezone).toBe('UTC');
    expect(c.avatarSize).toBe(1024);
    expect(c.imageEngine).toBe('auto');
    expect(c.maxAttachmentBytes).toBe(25 * 1024 * 1024);
    expect(c.auditFilter).toEqual({ types: ['User'], statuses: ['Enabled'] });
    expect(c.reminderIntervalDays).toBe(30);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads a full RingCentral configuration', () => {
    const c = loadConfig({ ...app, PUBLIC_URL: 'https://bot.example.com/', ADMIN_CHAT_IDS: '11, 22', PORT: '8080', LOG_LEVEL: 'DEBUG', IMAGE_ENGINE: 'jimp' });
    expect(c.mode).toBe('ringcentral');
    expect(c.ringcentral).toEqual({ serverUrl: 'https://platform.ringcentral.com', clientId: 'id', clientSecret: 'secret' });
    expect(c.publicUrl).toBe('https://bot.example.com');
    expect(c.adminChatIds).toEqual(['11', '22']);
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(loadConfig({ ...app, HOST: '127.0.0.2' }).host).toBe('127.0.0.2');
    expect(c.logLevel).toBe('debug');
    expect(c.imageEngine).toBe('jimp');
    expect(c.tokenEncryptionKey?.length).toBe(32);
  });

  it('lists every bad setting at once, each with its name and what is expected', () => {
    const problems = problemsOf({
      RINGCENTRAL_SERVER_URL: 'not a url',
      PORT: 'eighty',
      AVATAR_SIZE: '5',
      LOG_LEVEL: 'loud',
      TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=',
      AUDIT_TIMEZONE: 'Mars/Olympus',
      ADMIN_CHAT_IDS: 'abc',
      AUDIT_EXTENSION_STATUSES: 'Enabled,Sleep ing',
    });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'RINGCENTRAL_SERVER_URL',
        'RINGCENTRAL_CLIENT_ID',
        'RINGCENTRAL_CLIENT_SECRET',
        'PORT',
        'AVATAR_SIZE',
        'LOG_LEVEL',
        'TOKEN_ENCRYPTION_KEY',
        'AUDIT_TIMEZONE',
        'ADMIN_CHAT_IDS',
        'AUDIT_EXTENSION_STATUSES',
      ]),
    );
    expect(problems.find((p) => p.startsWith('PORT:'))).toMatch(/whole number.*"eighty"/);
    expect(problems.find((p) => p.startsWith('RINGCENTRAL_CLIENT_ID:'))).toMatch(/not set/);
  });

  it('never echoes a secret value in a problem', () => {
    const problems = problemsOf({ ...app, TOKEN_ENCRYPTION_KEY: 'topsecretvalue' });
    expect(problems.join('\n')).not.toContain('topsecretvalue');
  });

  it('requires TOKEN_ENCRYPTION_KEY outside demo mode', () => {
    const { TOKEN_ENCRYPTION_KEY: _k, ...rest } = app;
    expect(problemsOf(rest)).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEY: required outside demo mode/)]);
  });

  it('refuses demo mode when NODE_ENV=production', () => {
    expect(problemsOf({ NODE_ENV: 'production' }).join('\n')).toMatch(/demo mode is refused when NODE_ENV=production/);
  });

  it('takes SQLite and PostgreSQL database URLs, refuses others', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://x/y' })[0]).toMatch(/^DATABASE_URL: expected file:<path> \(SQLite\) or postgres:/);
    expect(problemsOf({ DATABASE_URL: 'file:' })[0]).toMatch(/^DATABASE_URL: expected file:/);
    for (const url of ['postgres://u:p@db.example.com:5432/bot?sslmode=require', 'postgresql://localhost/bot', 'file:./x.sqlite']) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
    const c = loadConfig({ DATABASE_POOL_SIZE: '4', INBOX_LEASE_SECONDS: '12' });
    expect([c.databasePoolSize, c.inboxLeaseSeconds, c.databaseConnectTimeoutMs]).toEqual([4, 12, 30_000]);
    expect(problemsOf({ DATABASE_POOL_SIZE: '0' })[0]).toMatch(/^DATABASE_POOL_SIZE/);
  });

  it('knows the settings of DESIGN.md', () => {
    for (const n of ['RINGCENTRAL_BOT_TOKEN', 'RINGCENTRAL_SHARED_SECRET', 'WEBHOOK_VERIFICATION_TOKEN', 'EMULATOR_PORT', 'AUDIT_CRON']) {
      expect(SETTING_NAMES).toContain(n);
    }
  });

  it('shows only the scheme of a bad DATABASE_URL, which may carry a password', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgress://u:s3cr3tPW@h/x' });
    expect(problems.join('\n')).toMatch(/^DATABASE_URL: .*\(got a value starting "postgress:"\)$/m);
    expect(problems.join('\n')).not.toContain('s3cr3tPW');
  });
});
