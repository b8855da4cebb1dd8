/** A latency histogram as plain bars (no chart library needed for a dozen buckets). */
import type { HistogramView } from '../wire.js';
import { el } from './dom.js';

function label(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(us >= 10_000 ? 0 : 1)}ms` : `${us}µs`;
}

export function renderHistogram(container: HTMLElement, histogram: HistogramView | null): void {
  if (histogram === null || histogram.counts.length === 0) {
    container.replaceChildren(el('div', 'muted', 'histogram: waiting for the counters segment'));
    return;
  }
  const largest = Math.max(1, ...histogram.counts);
  const fragment = document.createDocumentFragment();
  histogram.counts.forEach((count, i) => {
    const bar = el('div', 'bar');
    const fill = el('span');
    fill.style.height = `${Math.round((count / largest) * 100)}%`;
    bar.title = `≤ ${label(histogram.upperUs[i] ?? 0)}: ${count}`;
    bar.append(fill, el('small', undefined, label(histogram.upperUs[i] ?? 0)));
    fragment.append(bar);
  });
  const bars = el('div', 'bars');
  bars.append(fragment);
  container.replaceChildren(bars);
}
