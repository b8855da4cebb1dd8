/** Small DOM helpers: every text goes through textContent, never HTML. */
import { ErrorCode, TradingError } from '../../core/errors.js';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined && className !== '') node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new TradingError(ErrorCode.INTERNAL, `the page has no #${id}`);
  return node as T;
}

/** A table body's rows replaced by `rows` (each an array of cell texts and an optional class). */
export function fillRows(body: HTMLTableSectionElement, rows: { cells: string[]; className?: string; data?: Record<string, string> }[]): void {
  const fragment = document.createDocumentFragment();
  for (const row of rows) {
    const tr = el('tr', row.className);
    if (row.data !== undefined) for (const [key, value] of Object.entries(row.data)) tr.dataset[key] = value;
    for (const cell of row.cells) tr.append(el('td', undefined, cell));
    fragment.append(tr);
  }
  body.replaceChildren(fragment);
}

export function money(value: number): string {
  const sign = value < 0 ? '-' : '';
  return `${sign}${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function signClass(value: number): string {
  return value > 0 ? 'up' : value < 0 ? 'down' : '';
}

export function clock(epochS: number): string {
  const date = new Date(epochS * 1000);
  return date.toLocaleTimeString('en-GB', { hour12: false });
}
