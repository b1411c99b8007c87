// roster.test.mjs: roster.js's requests and its reading of replies, on the replies
// docs/protocol.md quotes. Run: node --test test/*.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BERT from '../bert.js';
import Show from '../show.js';
import Roster from '../roster.js';

const { atom, tuple } = BERT;
const bin = (s) => new TextEncoder().encode(s);
const io = (r, tail) => tuple(atom('io'), r, tail);
// Every reply is read from its bytes, as the page reads it.
const read = (t) => Roster.readReply(BERT.decode(BERT.encode(t)));

test('ClientIds and topics', () => {
  const s = Roster.randomSymbols(12);
  assert.match(s, /^web[A-Za-z0-9]{12}$/);
  assert.notEqual(s, Roster.randomSymbols(12));
  assert.equal(Roster.regId('webX'), 'reg_webX');
  assert.deepEqual(Roster.topics('reg_webX'), { actions: 'actions/1/api/reg_webX', events: 'events/1//api/anon/reg_webX/' });
});

test('the requests, in Erlang syntax', () => {
  const { show } = Show;
  assert.equal(show(Roster.reg('+999001')), "{'Auth',[],[],[],<<\"+999001\">>,[],reg,[],[],[],[],[]}");
  assert.equal(show(Roster.verify('tok', '903182')), "{'Auth',<<\"tok\">>,[],[],[],[],verify,<<\"903182\">>,[],[],[],[]}");
  assert.equal(show(Roster.profileGet()), "{'Profile',[],[],[],[],[],[],get}");
  assert.equal(show(Roster.profileSetName(3, 'Ann')),
    "{'Profile',[],[],[],[{'Roster',3,<<\"Ann\">>,[],[],[],[],[],[],[],[],[]}],[],[],set}");
});

test('Auth replies: the status, the token, the logged-in ClientId', () => {
  assert.deepEqual(read(io(tuple(atom('ok'), atom('sms_sent')), tuple(atom('Auth'), bin('t1')))),
    { kind: 'io', ok: true, status: 'sms_sent', token: 't1' });
  assert.deepEqual(read(io(tuple(atom('ok2'), atom('login'), tuple(atom('Client'), bin('emqttd_webX'))), tuple(atom('Auth'), bin('t1')))),
    { kind: 'io', ok: true, status: 'login', clientId: 'emqttd_webX', token: 't1' });
  assert.deepEqual(read(io(tuple(atom('error'), atom('invalid_sms_code')), tuple(atom('Auth'), bin('t1')))),
    { kind: 'io', ok: false, status: 'invalid_sms_code', token: 't1' });
  assert.deepEqual(read(io(tuple(atom('error'), atom('not_authorized')), bin(''))),
    { kind: 'io', ok: false, status: 'not_authorized' });
  assert.deepEqual(read(io(bin(''), bin(''))), { kind: 'io', ok: true, status: 'ok' });
});

test('a Profile reply: phone, data, person, accounts with names, update, presence', () => {
  const roster = (id, names) => tuple(atom('Roster'), id, names, [], 0, [], [], [], bin('999001234567'), [], 1700000000001, []);
  const p = read(tuple(atom('Profile'), bin('999001234567'), bin(''), bin('ab'.repeat(16)),
    [roster(1, bin('Ann')), roster(2, [])], 1700000000002, atom('online'), atom('get')));
  assert.deepEqual(p, {
    kind: 'profile', phone: '999001234567', data: '', personId: 'ab'.repeat(16),
    accounts: [
      { id: 1, names: 'Ann', surnames: '', phone: '999001234567', avatar: '', update: 1700000000001 },
      { id: 2, names: '', surnames: '', phone: '999001234567', avatar: '', update: 1700000000001 },
    ],
    update: 1700000000002, presence: 'online', status: 'get',
  });
});

test('anything else is unknown', () => {
  assert.deepEqual(read(tuple(atom('Profile'), 1)), { kind: 'unknown' });
  assert.deepEqual(read([]), { kind: 'unknown' });
});
