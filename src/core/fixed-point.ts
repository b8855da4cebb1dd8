/**
 * Prices are integers of PRICE_SCALE units per currency unit (1 unit = 0.0001), held in
 * JS numbers (exact up to 2^53, i.e. prices up to ~900 billion) and stored as float64 in
 * binary frames and shared memory. They are never accumulated as decimals: sums and
 * products of integers stay exact, and only the edges (JSON, logs) show decimals.
 */
export const PRICE_SCALE = 10_000;
export const PRICE_DECIMALS = 4;

/** Decimal price (from JSON or config) → integer price units, rounded to nearest unit. */
export function toPriceUnits(price: number): number {
  return Math.round(price * PRICE_SCALE);
}

/** Integer price units → decimal price for JSON and display. */
export function fromPriceUnits(units: number): number {
  return units / PRICE_SCALE;
}

/** Round price units to a multiple of tickUnits (both integers). */
export function roundToTick(units: number, tickUnits: number): number {
  return Math.round(units / tickUnits) * tickUnits;
}

/** Human form with fixed decimals, e.g. 1895000 → "189.5000". */
export function formatPrice(units: number, decimals = 2): string {
  return fromPriceUnits(units).toFixed(decimals);
}
