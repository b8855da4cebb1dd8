import assert from 'node:assert/strict';

/** The fields of `actual` that `expected` names, compared with it in one deepEqual (the others are not looked at). */
export function assertFields<T extends object>(actual: T, expected: Partial<T>, message?: string): void {
  const picked = Object.fromEntries(Object.keys(expected).map((key) => [key, actual[key as keyof T]]));
  assert.deepEqual(picked, expected, message);
}
