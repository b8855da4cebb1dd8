/**
 * Headline templates for generated news, one set per sentiment. `{symbol}` is replaced by
 * the symbol name once, when the model is built, so drawing a headline allocates nothing.
 */
import { Sentiment } from '../protocol/messages.js';

const TEMPLATES: Readonly<Record<Sentiment, readonly string[]>> = {
  [Sentiment.POSITIVE]: [
    '{symbol} beats earnings expectations',
    '{symbol} raises full-year guidance',
    'Analysts upgrade {symbol} to buy',
    '{symbol} announces record share buyback',
    '{symbol} wins major contract',
    '{symbol} product launch draws strong demand',
  ],
  [Sentiment.NEGATIVE]: [
    '{symbol} misses revenue estimates',
    '{symbol} cuts guidance on weak demand',
    'Analysts downgrade {symbol} to sell',
    '{symbol} faces regulatory probe',
    '{symbol} recalls flagship product',
    '{symbol} chief financial officer resigns',
  ],
  [Sentiment.NEUTRAL]: [
    '{symbol} to present at industry conference',
    '{symbol} confirms date of annual meeting',
    '{symbol} reaffirms outlook',
    '{symbol} names new board member',
  ],
};

/** Every headline of one symbol, by sentiment. */
export type SymbolHeadlines = Readonly<Record<Sentiment, readonly string[]>>;

export function headlinesFor(symbol: string): SymbolHeadlines {
  const fill = (templates: readonly string[]): string[] => templates.map((template) => template.replaceAll('{symbol}', symbol));
  return {
    [Sentiment.POSITIVE]: fill(TEMPLATES[Sentiment.POSITIVE]),
    [Sentiment.NEGATIVE]: fill(TEMPLATES[Sentiment.NEGATIVE]),
    [Sentiment.NEUTRAL]: fill(TEMPLATES[Sentiment.NEUTRAL]),
  };
}
