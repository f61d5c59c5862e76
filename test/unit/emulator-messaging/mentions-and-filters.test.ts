import { describe, expect, it } from 'vitest';
import { EmulatorState } from '../../../src/emulator/emulator-state.ts';
import { addGuest, mentionsFromText } from '../../../src/emulator/messaging/person-store.ts';
import { createChat } from '../../../src/emulator/messaging/chat-store.ts';
import { filterMatches, normalizeFilters, parseFilter } from '../../../src/emulator/subscriptions/subscription-filters.ts';
import { ApiError } from '../../../src/emulator/api-error.ts';

function stateWithPeople(): EmulatorState {
  const state = new EmulatorState();
  for (const [id, firstName, lastName] of [
    ['201', 'Alice', 'Archer'],
    ['202', 'Bob', 'Baker'],
  ] as const) {
    state.extensions.set(id, { id, extensionNumber: id, type: 'User', status: 'Enabled', firstName, lastName, email: `${firstName}@example.com`, admin: false });
  }
  return state;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? `${err.status} ${err.errorCode}` : String(err);
  }
  return undefined;
}

describe('mentionsFromText', () => {
  it('derives one mention per (type, id) in order, with person and team names', () => {
    const state = stateWithPeople();
    const guest = addGuest(state, { firstName: 'Gina', lastName: 'Guest', email: 'g@x.example' });
    const team = createChat(state, { type: 'Team', members: ['201'], name: 'Photo club' });
    const text = `![:Person](202) and ![:Person](${guest.id}) in ![:Team](${team.id}), again ![:Person](202), ![:Person](999)`;
    expect(mentionsFromText(state, text)).toEqual([
      { id: '202', type: 'Person', name: 'Bob Baker' },
      { id: guest.id, type: 'Person', name: 'Gina Guest' },
      { id: team.id, type: 'Team', name: 'Photo club' },
      { id: '999', type: 'Person' },
    ]);
  });

  it('ignores text that only looks like markup', () => {
    const state = stateWithPeople();
    expect(mentionsFromText(state, '![:Robot](201) [:Person](201) ![:Person]() ![Person](201)')).toEqual([]);
  });
});

describe('event filters', () => {
  it('normalises ~ to the account and owner ids, keeps reminders as written, drops duplicates', () => {
    const state = stateWithPeople();
    expect(
      normalizeFilters(
        state,
        [
          '/restapi/v1.0/account/~/extension/~',
          `/restapi/v1.0/account/${state.accountId}/extension/201`,
          '/restapi/v1.0/account/~/extension',
          '/team-messaging/v1/groups',
          '/restapi/v1.0/subscription/~?threshold=60&interval=15',
        ],
        '201',
      ),
    ).toEqual([
      `/restapi/v1.0/account/${state.accountId}/extension/201`,
      `/restapi/v1.0/account/${state.accountId}/extension`,
      '/team-messaging/v1/groups',
      '/restapi/v1.0/subscription/~?threshold=60&interval=15',
    ]);
  });

  it('rejects unsupported filters, other accounts, unknown extensions and bad reminders', () => {
    const state = stateWithPeople();
    expect(codeOf(() => normalizeFilters(state, ['/restapi/v1.0/account/~/extension/~/presence'], '201'))).toBe('400 SUB-508');
    expect(codeOf(() => normalizeFilters(state, ['/restapi/v1.0/account/~/extension/555'], '201'))).toBe('400 SUB-508');
    expect(codeOf(() => normalizeFilters(state, ['/restapi/v1.0/account/1/extension/201'], '201'))).toBe('403 SUB-406');
    expect(codeOf(() => normalizeFilters(state, ['/restapi/v1.0/subscription/~?threshold=0&interval=15'], '201'))).toBe('400 SUB-516');
    expect(codeOf(() => normalizeFilters(state, [], '201'))).toBe('400 CMN-101');
    expect(codeOf(() => normalizeFilters(state, 'nope', '201'))).toBe('400 CMN-101');
  });

  it('matches post and chat events through their aliases, extension events by id or list', () => {
    const state = stateWithPeople();
    const acc = state.accountId;
    expect(filterMatches(state, '/restapi/v1.0/glip/posts', '/team-messaging/v1/posts')).toBe(true);
    expect(filterMatches(state, '/team-messaging/v1/groups', '/team-messaging/v1/chats')).toBe(true);
    expect(filterMatches(state, '/restapi/v1.0/glip/groups', '/team-messaging/v1/chats')).toBe(true);
    expect(filterMatches(state, '/team-messaging/v1/posts', '/team-messaging/v1/chats')).toBe(false);
    expect(filterMatches(state, `/restapi/v1.0/account/${acc}/extension/201`, '/restapi/v1.0/account/~/extension/201')).toBe(true);
    expect(filterMatches(state, `/restapi/v1.0/account/${acc}/extension/201`, `/restapi/v1.0/account/${acc}/extension/202`)).toBe(false);
    expect(filterMatches(state, `/restapi/v1.0/account/${acc}/extension`, `/restapi/v1.0/account/${acc}/extension/202`)).toBe(true);
    expect(parseFilter('/restapi/v1.0/subscription/~?threshold=60&interval=15')).toMatchObject({ kind: 'reminder', threshold: 60, interval: 15 });
  });
});
