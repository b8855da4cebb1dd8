/**
 * A price line with buy and sell markers, on TradingView's lightweight-charts. Reusable on
 * its own (the dashboard draws one per symbol and the equity curve with it; a static report
 * can too): give it a container, then `setHistory` and `append`. Times are epoch seconds;
 * they are shown in the browser's time zone. A point older than the last one drawn is
 * ignored (the library refuses to rewrite the past), an equal time updates the last point.
 */
import { createChart, createSeriesMarkers, LineSeries, type IChartApi, type ISeriesApi, type ISeriesMarkersPluginApi, type SeriesMarker, type Time, type UTCTimestamp } from 'lightweight-charts';

export interface LinePoint {
  time: number;
  value: number;
}

export interface TradeMarker {
  time: number;
  side: 'BUY' | 'SELL';
  quantity: number;
  price: number;
}

export interface PriceChartOptions {
  color?: string;
  /** Most markers kept (the newest); default 200. */
  maxMarkers?: number;
  /** Price decimals on the axis; default 2. */
  decimals?: number;
  /** Show the browser's local time rather than UTC; default true. */
  localTime?: boolean;
  /** Dark theme colours; default true. */
  dark?: boolean;
}

const BUY_COLOR = '#26a69a';
const SELL_COLOR = '#ef5350';

export class PriceChart {
  readonly chart: IChartApi;
  readonly #series: ISeriesApi<'Line'>;
  readonly #markersApi: ISeriesMarkersPluginApi<Time>;
  readonly #markers: SeriesMarker<Time>[] = [];
  readonly #maxMarkers: number;
  readonly #offsetS: number;
  #lastTime = Number.NEGATIVE_INFINITY;
  #points = 0;

  constructor(container: HTMLElement, options: PriceChartOptions = {}) {
    const dark = options.dark ?? true;
    this.#maxMarkers = options.maxMarkers ?? 200;
    this.#offsetS = (options.localTime ?? true) ? -new Date().getTimezoneOffset() * 60 : 0;
    const decimals = options.decimals ?? 2;
    this.chart = createChart(container, {
      autoSize: true,
      layout: {
        attributionLogo: true,
        background: { color: dark ? '#131722' : '#ffffff' },
        textColor: dark ? '#d1d4dc' : '#191919',
        fontSize: 11,
      },
      grid: { vertLines: { color: dark ? '#1f2430' : '#eeeeee' }, horzLines: { color: dark ? '#1f2430' : '#eeeeee' } },
      timeScale: { timeVisible: true, secondsVisible: true, borderVisible: false },
      rightPriceScale: { borderVisible: false },
      handleScroll: { vertTouchDrag: false },
    });
    this.#series = this.chart.addSeries(LineSeries, {
      color: options.color ?? '#2962ff',
      lineWidth: 2,
      priceFormat: { type: 'price', precision: decimals, minMove: 1 / 10 ** decimals },
    });
    this.#markersApi = createSeriesMarkers(this.#series, []);
  }

  /** How many points the line has. */
  get points(): number {
    return this.#points;
  }

  get markers(): number {
    return this.#markers.length;
  }

  /** Replace everything drawn. */
  setHistory(points: readonly LinePoint[], trades: readonly TradeMarker[] = []): void {
    const data: { time: UTCTimestamp; value: number }[] = [];
    let last = Number.NEGATIVE_INFINITY;
    for (const point of points) {
      const time = this.#time(point.time);
      if (time < last) continue;
      if (time === last) data.pop();
      data.push({ time: time as UTCTimestamp, value: point.value });
      last = time;
    }
    this.#series.setData(data);
    this.#lastTime = last;
    this.#points = data.length;
    this.#markers.length = 0;
    this.addTrades(trades);
  }

  /** Add a point, or update the last one when `time` is the same. */
  append(point: LinePoint): void {
    const time = this.#time(point.time);
    if (time < this.#lastTime) return;
    if (time > this.#lastTime) this.#points += 1;
    this.#series.update({ time: time as UTCTimestamp, value: point.value });
    this.#lastTime = time;
  }

  addTrades(trades: readonly TradeMarker[]): void {
    if (trades.length === 0 && this.#markers.length > 0) return;
    for (const trade of trades) {
      const buy = trade.side === 'BUY';
      this.#markers.push({
        time: this.#time(trade.time) as UTCTimestamp,
        position: buy ? 'belowBar' : 'aboveBar',
        shape: buy ? 'arrowUp' : 'arrowDown',
        color: buy ? BUY_COLOR : SELL_COLOR,
        size: 0.6,
      });
    }
    this.#markers.sort((a, b) => (a.time as number) - (b.time as number));
    if (this.#markers.length > this.#maxMarkers) this.#markers.splice(0, this.#markers.length - this.#maxMarkers);
    this.#markersApi.setMarkers(this.#markers);
  }

  dispose(): void {
    this.chart.remove();
  }

  #time(epochS: number): number {
    return Math.floor(epochS) + this.#offsetS;
  }
}
