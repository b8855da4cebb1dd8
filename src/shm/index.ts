/** The shared-memory order book: segment addon wrapper, layout, writer and reader. */
export { BookWriter } from './book-writer.js';
export type { BookWriterOptions } from './book-writer.js';
export { BookReader, WRITER_PID_CHECK_INTERVAL_MS } from './book-reader.js';
export type { BookHealth, BookReaderOptions } from './book-reader.js';
export { ShmError, closeSegment, createSegment, openSegment, unlinkSegment, maxSegmentBytes } from './native.js';
export { LAYOUT_MAGIC, LAYOUT_VERSION, computeLayout } from './layout.js';
export type { BookLayout } from './layout.js';
export { LiveBook, DEFAULT_LIVE_BOOK_MAX_AGE_MS, DEFAULT_LIVE_BOOK_CHECK_INTERVAL_MS } from './live-book.js';
export type { LiveBookOptions } from './live-book.js';
