/**
 * Execution ids: `E<n>`, n counting every fill ever (trade-log-line.ts writes them, the order
 * journal's report lines carry them). Apart, so that every reader of either file can use it.
 */
export const EXECUTION_ID_PREFIX = 'E';

/**
 * The execution id of the n-th fill ever (n ≥ 1). A bigint: no count of fills, and no id
 * a forged line may carry, can reach a number where n + 1 === n (2^53 as a double), so two
 * fills never share an id.
 */
export function executionIdFor(executionNumber: bigint): string {
  return EXECUTION_ID_PREFIX + executionNumber.toString();
}

/** Longest n we read back (digits): far beyond any real count, short enough to parse cheaply. */
export const MAX_EXECUTION_DIGITS = 40;
const EXECUTION_DIGITS = new RegExp(`^[1-9][0-9]{0,${MAX_EXECUTION_DIGITS - 1}}$`);

/** n of an id we wrote (`E<n>`), 0n for anything else. */
export function executionNumberOf(executionId: string): bigint {
  if (executionId.length < 2 || executionId[0] !== EXECUTION_ID_PREFIX) return 0n;
  const digits = executionId.slice(1);
  return EXECUTION_DIGITS.test(digits) ? BigInt(digits) : 0n;
}
