// roster.js: roster's protocol as the page speaks it (docs/protocol.md): ClientIds,
// topics, the Auth and Profile requests as BERT terms, and replies read into plain
// objects. No DOM, no MQTT; UMD (`Roster` in a page, `require` in node). Needs bert.js.
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory(require('./bert.js'));
  else root.Roster = factory(root.BERT);
})(typeof self !== 'undefined' ? self : this, function (BERT) {
  'use strict';

  const { atom, tuple, Atom, Tuple } = BERT;
  const utf8 = new TextDecoder('utf-8');

  /** The test numbers' prefix and fixed code, as config.toml ships them. */
  const TEST_NUMBERS = { prefix: '99900', code: '903182' };

  /** `n` random ClientId symbols (A-Z a-z 0-9), never starting with `reg_`. */
  function randomSymbols(n) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = new Uint8Array(n);
    globalThis.crypto.getRandomValues(bytes);
    return 'web' + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  }

  /** A registering device's ClientId. */
  const regId = (symbols) => 'reg_' + symbols;

  /** Where a client reads its replies and where it sends its requests. */
  function topics(clientId) {
    return { actions: `actions/1/api/${clientId}`, events: `events/1//api/anon/${clientId}/` };
  }

  const nil = [];

  /** `{'Auth',[],DevKey,[],Phone,[],reg,[],[],[],[],[]}` */
  function reg(phone, devKey) {
    return tuple(atom('Auth'), nil, devKey || nil, nil, phone, nil, atom('reg'), nil, nil, nil, nil, nil);
  }

  /** `{'Auth',Token,[],[],[],[],verify,Code,[],[],[],[]}` */
  function verify(token, code) {
    return tuple(atom('Auth'), token, nil, nil, nil, nil, atom('verify'), code, nil, nil, nil, nil);
  }

  /** `{'Profile',[],[],[],[],[],[],get}` */
  function profileGet() {
    return tuple(atom('Profile'), nil, nil, nil, nil, nil, nil, atom('get'));
  }

  /** `{'Profile',[],[],[],[{'Roster',Id,Names,[],...}],[],[],set}`: rename one account. */
  function profileSetName(id, names) {
    const entry = tuple(atom('Roster'), id, names, nil, nil, nil, nil, nil, nil, nil, nil, nil);
    return tuple(atom('Profile'), nil, nil, nil, [entry], nil, nil, atom('set'));
  }

  const isAtom = (t, name) => t instanceof Atom && (name === undefined || t.name === name);
  const isRecord = (t, name, arity) =>
    t instanceof Tuple && isAtom(t.items[0], name) && (arity === undefined || t.items.length === arity);

  /** A text slot: a binary, a charlist, or absent ([] or <<>>) as ''. */
  function text(t) {
    if (t instanceof Uint8Array) return utf8.decode(t);
    if (Array.isArray(t)) return String.fromCodePoint(...t);
    if (typeof t === 'string') return t;
    return '';
  }

  /** An integer slot: a number (a BigInt beyond 2^53 as its decimal text), [] as null. */
  function integer(t) {
    if (typeof t === 'number') return t;
    if (typeof t === 'bigint') return String(t);
    return null;
  }

  /** A reply's `Result` slot: `{ok,X}`, `{ok2,login,{'Client',Id}}`, `{error,X}`, `<<>>`. */
  function result(r) {
    if (r instanceof Tuple && isAtom(r.items[0], 'ok')) return { ok: true, status: String(r.items[1]) };
    if (r instanceof Tuple && isAtom(r.items[0], 'error')) return { ok: false, status: String(r.items[1]) };
    if (r instanceof Tuple && isAtom(r.items[0], 'ok2') && isRecord(r.items[2], 'Client', 2)) {
      return { ok: true, status: String(r.items[1]), clientId: text(r.items[2].items[1]) };
    }
    return { ok: text(r) === '', status: text(r) === '' ? 'ok' : 'unknown' };
  }

  /** A `'Roster'` account of a reply. */
  function account(t) {
    const f = t.items;
    return { id: integer(f[1]), names: text(f[2]), surnames: text(f[3]), phone: text(f[8]), avatar: text(f[9]), update: integer(f[10]) };
  }

  /**
   * A reply as a plain object: `{kind: 'io', ok, status, clientId?, token?}`,
   * `{kind: 'profile', phone, data, personId, accounts, update, presence, status}`,
   * `{kind: 'auth', clientId, phone, ...}` (a `list` record) or `{kind: 'unknown'}`.
   */
  function readReply(t) {
    if (isRecord(t, 'io', 3)) {
      const out = { kind: 'io', ...result(t.items[1]) };
      if (isRecord(t.items[2], 'Auth', 2)) out.token = text(t.items[2].items[1]);
      return out;
    }
    if (isRecord(t, 'Profile', 8)) {
      const f = t.items;
      const accounts = Array.isArray(f[4]) ? f[4].filter((a) => isRecord(a, 'Roster', 12)).map(account) : [];
      return {
        kind: 'profile', phone: text(f[1]), data: text(f[2]), personId: text(f[3]), accounts,
        update: integer(f[5]), presence: String(f[6]), status: String(f[7]),
      };
    }
    if (isRecord(t, 'Auth', 15)) {
      const f = t.items;
      return { kind: 'auth', clientId: text(f[5]), phone: text(f[4]), os: String(f[12]), created: integer(f[13]) };
    }
    return { kind: 'unknown' };
  }

  return { TEST_NUMBERS, randomSymbols, regId, topics, reg, verify, profileGet, profileSetName, readReply, text };
});
