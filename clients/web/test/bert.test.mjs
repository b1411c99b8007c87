// bert.test.mjs: bert.js against byte-exact ETF vectors (worked out from the ETF
// spec, and re-checked with Erlang/OTP's term_to_binary when `erl` is installed),
// round trips, the strict2017 mode, and hostile input. Run: node --test test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import BERT from '../bert.js';
import Show from '../show.js';
import Roster from '../roster.js';

const { atom, tuple, float, encode, decode, BertError } = BERT;
const { show } = Show;
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const bin = (s) => new TextEncoder().encode(s);
const TOKEN = '0123456789abcdef0123456789abcdef';

// [name, the term in Erlang syntax, the term in JS, its bytes with UTF-8 atoms].
const VECTORS = [
  // 83 version, 68 03 SMALL_TUPLE arity 3, 77 04 "Auth", 6d 00000000 <<>>, 77 03 "reg"
  ['auth_reg', "{'Auth',<<>>,reg}", tuple(atom('Auth'), new Uint8Array(), atom('reg')),
    '8368037704417574686d000000007703726567'],
  ['reg_request', "{'Auth',[],[],[],<<\"+999001234567\">>,[],reg,[],[],[],[],[]}", Roster.reg('+999001234567'),
    '83680c7704417574686a6a6a6d0000000d2b3939393030313233343536376a77037265676a6a6a6a6a'],
  ['verify_request', `{'Auth',<<"${TOKEN}">>,[],[],[],[],verify,<<"903182">>,[],[],[],[]}`, Roster.verify(TOKEN, '903182'),
    '83680c7704417574686d000000203031323334353637383961626364656630313233343536373839616263646566' +
    '6a6a6a6a77067665726966796d000000063930333138326a6a6a6a'],
  ['get_request', "{'Profile',[],[],[],[],[],[],get}", Roster.profileGet(),
    '836808770750726f66696c656a6a6a6a6a6a7703676574'],
  ['set_request', "{'Profile',[],[],[],[{'Roster',1,<<\"Ann\">>,[],[],[],[],[],[],[],[],[]}],[],[],set}",
    Roster.profileSetName(1, 'Ann'),
    '836808770750726f66696c656a6a6a6c00000001680c7706526f7374657261016d00000003416e6e' +
    '6a6a6a6a6a6a6a6a6a6a6a6a7703736574'],
  ['ok2_reply', "{io,{ok2,login,{'Client',<<\"emqttd_abc\">>}},{'Auth',<<\"tok\">>}}",
    tuple(atom('io'), tuple(atom('ok2'), atom('login'), tuple(atom('Client'), bin('emqttd_abc'))), tuple(atom('Auth'), bin('tok'))),
    '8368037702696f680377036f6b3277056c6f67696e68027706436c69656e746d0000000a656d717474645f616263' +
    '68027704417574686d00000003746f6b'],
  // 97 for 0..255, 98 for other 32-bit values, 110 (little-endian digits) beyond.
  ['ints', '[0,255,256,-1,2147483647,-2147483648,2147483648,-2147483649,1 bsl 64,-(1 bsl 64)]',
    [0, 255, 256, -1, 2147483647, -2147483648, 2147483648, -2147483649, 2n ** 64n, -(2n ** 64n)],
    '836c0000000a610061ff620000010062ffffffff627fffffff62800000006e0400000000806e040101000080' +
    '6e09000000000000000000016e09010000000000000000016a'],
  ['improper', '[a|b]', new BERT.Improper([atom('a')], atom('b')), '836c00000001770161770162'],
  ['float', '1.5', float(1.5), '83463ff8000000000000'],
  ['utf8_atom', "'привет'", atom('привет'), '83770cd0bfd180d0b8d0b2d0b5d182'],
  ['utf8_binary', '<<"héllo"/utf8>>', 'héllo', '836d0000000668c3a96c6c6f'],
];

for (const [name, , term, bytes] of VECTORS) {
  test(`encode ${name} byte for byte`, () => assert.equal(hex(encode(term)), bytes));
  test(`decode ${name} and encode it back to the same bytes`, () => {
    assert.equal(hex(encode(decode(unhex(bytes)))), bytes);
  });
}

test('the vectors are what Erlang/OTP term_to_binary writes (when erl is installed)', (t) => {
  const probe = spawnSync('erl', ['-version'], { encoding: 'utf8' });
  if (probe.error) return t.skip('erl not installed');
  const terms = VECTORS.map(([, erl]) => erl).join(',');
  const program = `[io:format("~s~n", [binary:encode_hex(term_to_binary(T, [{minor_version, 2}]))]) || T <- [${terms}]], halt().`;
  const out = spawnSync('erl', ['-noshell', '-eval', program], { encoding: 'utf8', timeout: 20000 });
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split('\n').map((l) => l.toLowerCase());
  assert.deepEqual(lines, VECTORS.map(([, , , b]) => b));
});

test('atoms latin1 writes ATOM_EXT (100) as pre-2018 encoders did', () => {
  assert.equal(hex(encode(tuple(atom('Auth'), new Uint8Array(), atom('reg')), { atoms: 'latin1' })),
    '836803640004417574686d00000000640003726567');
  assert.equal(hex(encode(atom('café'), { atoms: 'latin1' })), '83640004636166e9');
  // Not Latin-1: UTF-8 after all.
  assert.equal(hex(encode(atom('привет'), { atoms: 'latin1' })), '83770cd0bfd180d0b8d0b2d0b5d182');
});

test('decodes the older atom tags, STRING_EXT and LARGE_TUPLE_EXT', () => {
  assert.equal(show(decode(unhex('83640004636166e9'))), "'café'"); // ATOM_EXT, Latin-1
  assert.equal(show(decode(unhex('837303726567'))), 'reg'); // SMALL_ATOM_EXT
  assert.equal(show(decode(unhex('8376000372c3a9'))), "'ré'"); // ATOM_UTF8_EXT
  assert.deepEqual(decode(unhex('836b0003010203')), [1, 2, 3]); // what erl writes for [1,2,3]
  const big = decode(unhex('83690000010' + '0' + '6100'.repeat(256)));
  assert.equal(big.length, 256);
  assert.equal(hex(encode(big)), '8369000001006100' + '6100'.repeat(255));
});

test('integers: safe ones are numbers, larger ones BigInts, LARGE_BIG_EXT read', () => {
  assert.equal(decode(unhex('836e0400000000' + '80')), 2147483648);
  assert.equal(decode(encode(2n ** 64n)), 2n ** 64n);
  assert.equal(decode(encode(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  assert.equal(decode(unhex('836f00000002010001')), -256); // LARGE_BIG_EXT, 2 digits, negative
  const huge = 2n ** 2100n; // 263 digits: LARGE_BIG_EXT
  assert.equal(encode(huge)[1], 111);
  assert.equal(decode(encode(huge)), huge);
});

test('round trips of nested terms', () => {
  const t = tuple(atom('Profile'), bin('999001234567'), new Uint8Array([0, 255, 7]), [],
    [tuple(atom('Roster'), 1, bin('Ann'), [], 0, [], [], [], bin('999001234567'), [], 1700000000000, [])],
    1700000000000, atom('online'), atom('update'));
  const back = decode(encode(t));
  assert.equal(show(back), show(t));
  assert.equal(hex(encode(back)), hex(encode(t)));
  assert.equal(show(decode(encode([true, false, float(-0.25), 'x']))), '[true,false,-0.25,<<"x">>]');
});

test('show writes Erlang syntax and cuts secrets', () => {
  const reply = decode(unhex(VECTORS.find(([n]) => n === 'ok2_reply')[3]));
  assert.equal(show(reply), "{io,{ok2,login,{'Client',<<\"emqttd_abc\">>}},{'Auth',<<\"tok\">>}}");
  assert.equal(show(tuple(bin(TOKEN)), { secrets: new Set([TOKEN]) }), '{<<"0123\u2026">>}');
  assert.equal(show(new Uint8Array([0, 1])), '<<0,1>>');
  assert.equal(show(float(2)), '2.0');
});

test('strict2017 reads what a 2017 decoder reads and refuses the rest', () => {
  const old = unhex('836803640004417574686d00000000640003726567');
  assert.equal(show(decode(old, { strict2017: true })), "{'Auth',<<>>,reg}");
  assert.deepEqual(decode(unhex('836b0003010203'), { strict2017: true }), [1, 2, 3]);
  assert.equal(decode(unhex('8362ffffffff'), { strict2017: true }), -1);
  for (const [what, bytes] of [
    ['SMALL_ATOM_UTF8_EXT 119', '8368037704417574686d000000007703726567'],
    ['ATOM_UTF8_EXT 118', '8376000372c3a9'],
    ['SMALL_ATOM_EXT 115', '837303726567'],
    ['SMALL_BIG_EXT 110', '836e0400000000' + '80'],
    ['NEW_FLOAT_EXT 70', '83463ff8000000000000'],
    ['LARGE_TUPLE_EXT 105', '836900000000'],
  ]) {
    const tag = what.split(' ').pop();
    assert.throws(() => decode(unhex(bytes), { strict2017: true }), new RegExp(`tag ${tag} .*2017`), what);
  }
  // With bigIntegers, 110 (a millisecond timestamp) is read and 119 still refused.
  const ms = unhex('836e06000080f3ed8c01');
  assert.equal(decode(ms, { strict2017: true, bigIntegers: true }), decode(ms));
  assert.throws(() => decode(unhex('837703726567'), { strict2017: true, bigIntegers: true }), /tag 119/);
});

test('a truncated term is refused at every cut', () => {
  for (const [name, , , bytes] of VECTORS) {
    const full = unhex(bytes);
    for (let n = 0; n < full.length; n++) {
      assert.throws(() => decode(full.subarray(0, n)), BertError, `${name} cut at ${n}`);
    }
  }
});

test('absurd lengths are refused before anything is allocated', () => {
  const cases = {
    'a binary of 4 GiB': '836dffffffff',
    'a list of 4 billion': '836cffffffff6a',
    'a tuple of 4 billion': '8369ffffffff',
    'a string of 65535': '836bffff01',
    'an atom of 65535': '8364ffff61',
    'a bignum of 4 GiB': '836fffffffff00',
    'a binary one byte short': '836d00000003616263'.slice(0, -2),
  };
  for (const [what, bytes] of Object.entries(cases)) {
    assert.throws(() => decode(unhex(bytes)), /truncated|characters/, what);
  }
  assert.throws(() => decode(unhex('8364010061'.padEnd(10 + 512, '61'))), /atom of 256/);
});

test('bounds on depth, term count and input size', () => {
  const deep = '83' + '6c00000001'.repeat(100) + '6a' + '6a'.repeat(100);
  assert.throws(() => decode(unhex(deep)), /nested deeper than 64/);
  assert.equal(decode(unhex(deep), { maxDepth: 200 }).length, 1);
  assert.throws(() => decode(encode(new Array(50).fill(1)), { maxElements: 10 }), /more than 10 terms/);
  assert.throws(() => decode(new Uint8Array(100), { maxBytes: 99 }), /over 99/);
});

test('malformed input is refused with a BertError', () => {
  const cases = {
    'no version byte': '6a',
    'another version': '826a',
    'bytes after the term': '836a6a',
    'a compressed term': '835000000001789c',
    'a map': '837400000000',
    'a pid': '8358',
    'an atom that is not UTF-8': '837701ff',
    'a bignum sign of 2': '836e010201',
    'an empty input': '',
  };
  for (const [what, bytes] of Object.entries(cases)) {
    assert.throws(() => decode(unhex(bytes)), BertError, what);
  }
  assert.throws(() => decode('8300'), /decode takes bytes/);
  assert.throws(() => encode(null), BertError);
  assert.throws(() => encode(NaN), BertError);
  assert.throws(() => encode(atom('a'.repeat(256))), /255 characters/);
});
