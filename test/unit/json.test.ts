// The coercions of untrusted JSON fields (src/dbt/json.ts): each is named for
// what it accepts, and callers rely on the differences.
import assert from 'node:assert/strict';
import test from 'node:test';
import { finiteNumber, isJsonObject, isTrue, nonEmptyString, stringOrNull, textOrNull } from '../../src/dbt/json';

void test('isJsonObject: objects only, not null or arrays', () => {
  assert.equal(isJsonObject({}), true);
  assert.equal(isJsonObject(null), false);
  assert.equal(isJsonObject([]), false);
  assert.equal(isJsonObject('x'), false);
});

void test('stringOrNull keeps strings (the empty one too) and nothing else', () => {
  assert.equal(stringOrNull(''), '');
  assert.equal(stringOrNull('a'), 'a');
  assert.equal(stringOrNull(3), null);
  assert.equal(stringOrNull(undefined), null);
});

void test('textOrNull turns scalars into text, null and absent into null', () => {
  assert.equal(textOrNull(3), '3');
  assert.equal(textOrNull(false), 'false');
  assert.equal(textOrNull(''), '');
  assert.equal(textOrNull(null), null);
  assert.equal(textOrNull(undefined), null);
});

void test('nonEmptyString: the empty string is absent', () => {
  assert.equal(nonEmptyString(''), undefined);
  assert.equal(nonEmptyString('x'), 'x');
  assert.equal(nonEmptyString(1), undefined);
});

void test('finiteNumber reads int64 strings and refuses what is not a finite number', () => {
  assert.equal(finiteNumber(2.5), 2.5);
  assert.equal(finiteNumber('42'), 42);
  assert.equal(finiteNumber(' '), undefined);
  assert.equal(finiteNumber('abc'), undefined);
  assert.equal(finiteNumber(Number.NaN), undefined);
  assert.equal(finiteNumber(Infinity), undefined);
  assert.equal(finiteNumber(null), undefined);
});

void test('isTrue: true as JSON and Python write it', () => {
  assert.equal(isTrue(true), true);
  assert.equal(isTrue('True'), true);
  assert.equal(isTrue('true'), true);
  assert.equal(isTrue(1), false);
  assert.equal(isTrue('yes'), false);
});
