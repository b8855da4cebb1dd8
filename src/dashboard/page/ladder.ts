/** The L2 ladder of one symbol: asks above (best at the bottom), bids below, size bars. */
import type { LadderView } from '../wire.js';
import { el } from './dom.js';

export class LadderView10 {
  readonly #body: HTMLTableSectionElement;
  readonly #levels: number;

  constructor(container: HTMLElement, levels = 10) {
    this.#levels = levels;
    const table = el('table', 'ladder');
    const head = el('thead');
    const tr = el('tr');
    for (const title of ['bid', 'price', 'ask']) tr.append(el('th', undefined, title));
    head.append(tr);
    this.#body = el('tbody');
    table.append(head, this.#body);
    container.append(table);
  }

  render(ladder: LadderView | undefined): void {
    const asks = (ladder?.asks ?? []).slice(0, this.#levels);
    const bids = (ladder?.bids ?? []).slice(0, this.#levels);
    let largest = 1;
    for (const [, size] of asks) largest = Math.max(largest, size);
    for (const [, size] of bids) largest = Math.max(largest, size);
    const fragment = document.createDocumentFragment();
    const row = (price: number, size: number, side: 'bid' | 'ask'): HTMLTableRowElement => {
      const tr = el('tr', side);
      const width = `${Math.round((size / largest) * 100)}%`;
      const bidCell = el('td', 'size');
      const askCell = el('td', 'size');
      const sized = side === 'bid' ? bidCell : askCell;
      sized.textContent = size.toLocaleString('en-US');
      sized.style.setProperty('--bar', width);
      tr.append(bidCell, el('td', 'price', price.toFixed(2)), askCell);
      return tr;
    };
    for (let i = asks.length - 1; i >= 0; i--) {
      const level = asks[i];
      if (level !== undefined) fragment.append(row(level[0], level[1], 'ask'));
    }
    for (const level of bids) fragment.append(row(level[0], level[1], 'bid'));
    this.#body.replaceChildren(fragment);
    this.#body.dataset['bids'] = String(bids.length);
    this.#body.dataset['asks'] = String(asks.length);
  }
}
