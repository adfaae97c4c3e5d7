import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonLineReader } from '../../src/runner/lineReader';

function collect(maxLineBytes?: number) {
  const values: Record<string, unknown>[] = [];
  const skipped: string[] = [];
  const reader = new JsonLineReader({ onValue: (v) => values.push(v), onSkip: (reason) => skipped.push(reason), maxLineBytes });
  return { reader, values, skipped };
}

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

void test('lines split at every possible byte boundary are reassembled', () => {
  const messages = [{ type: 'event', id: 'a', text: 'héllo — ✓ 😀' }, { type: 'result', id: 'b', n: 42 }];
  const bytes = Buffer.from(messages.map((m) => JSON.stringify(m)).join('\n') + '\n', 'utf8');
  for (let cut = 0; cut <= bytes.length; cut++) {
    const { reader, values, skipped } = collect();
    reader.push(bytes.subarray(0, cut));
    reader.push(bytes.subarray(cut));
    assert.deepEqual(values, messages, `cut at ${cut}`);
    assert.deepEqual(skipped, []);
  }
});

void test('one byte at a time, CRLF endings and blank lines', () => {
  const { reader, values } = collect();
  const text = '{"a":1}\r\n\r\n  \n{"b":"x"}\r\n';
  for (const byte of Buffer.from(text)) reader.push(Buffer.from([byte]));
  assert.deepEqual(values, [{ a: 1 }, { b: 'x' }]);
});

void test('a last line without newline counts only at end()', () => {
  const { reader, values } = collect();
  reader.push('{"a":1}\n{"b":2}');
  assert.deepEqual(values, [{ a: 1 }]);
  reader.end();
  assert.deepEqual(values, [{ a: 1 }, { b: 2 }]);
});

void test('invalid JSON, non-objects and text lines are skipped and reported', () => {
  const { reader, values, skipped } = collect();
  reader.push('not json\n[1,2]\n"str"\n{"ok":true}\n{"broken":\n12\nnull\n');
  assert.deepEqual(values, [{ ok: true }]);
  assert.equal(skipped.length, 6);
  assert.ok(skipped.some((s) => s.startsWith('invalid JSON')));
  assert.ok(skipped.some((s) => s === 'not a JSON object'));
});

void test('a huge line within the cap is kept; beyond it, skipped without losing the next line', () => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  const { reader, values } = collect(4 * 1024 * 1024);
  const line = Buffer.from(JSON.stringify({ big }) + '\n');
  for (let i = 0; i < line.length; i += 65536) reader.push(line.subarray(i, i + 65536));
  assert.equal(values.length, 1);
  assert.equal((values[0].big as string).length, big.length);

  const small = collect(1024);
  small.reader.push(JSON.stringify({ big: 'y'.repeat(5000) }).slice(0, 3000));
  small.reader.push('y'.repeat(3000) + '"}\n{"after":1}\n');
  assert.deepEqual(small.values, [{ after: 1 }]);
  assert.equal(small.skipped.length, 1);
  assert.match(small.skipped[0], /longer than 1024 bytes/);
});

void test('invalid UTF-8 is replaced, not fatal', () => {
  const { reader, values } = collect();
  reader.push(Buffer.concat([Buffer.from('{"s":"a'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('b"}\n')]));
  assert.equal(values.length, 1);
  assert.match(values[0].s as string, /^a\uFFFD+b$/);
});

void test('fuzz: random bytes mixed with valid lines never throw and never lose a valid line', () => {
  const random = rng(20240531);
  for (let round = 0; round < 200; round++) {
    const expected: Record<string, unknown>[] = [];
    const parts: Buffer[] = [];
    const lines = 1 + Math.floor(random() * 20);
    for (let i = 0; i < lines; i++) {
      if (random() < 0.5) {
        const v = { round, i, s: String.fromCharCode(...Array.from({ length: Math.floor(random() * 30) }, () => 32 + Math.floor(random() * 2000))) };
        expected.push(v);
        parts.push(Buffer.from(JSON.stringify(v) + '\n'));
      } else {
        // Garbage without a newline inside, ending in one: must be skipped as a whole line.
        const garbage = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)).map((b) => (b === 0x0a ? 0x20 : b)));
        // Garbage that happens to be a JSON object would be a valid line; mark it invalid for sure.
        parts.push(Buffer.concat([Buffer.from('#'), garbage, Buffer.from('\n')]));
      }
    }
    const all = Buffer.concat(parts);
    const { reader, values } = collect(4096);
    let pos = 0;
    while (pos < all.length) {
      const n = 1 + Math.floor(random() * 64);
      reader.push(all.subarray(pos, pos + n));
      pos += n;
    }
    reader.end();
    assert.deepEqual(values, expected, `round ${round}`);
  }
});
