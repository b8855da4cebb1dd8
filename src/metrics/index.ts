/** The metrics layer: the registry, the counters segment's layout, writer and reader. */
export * from './counters-layout.js';
export * from './registry.js';
export { HistogramRecorder, KEPT_BY_SUPERVISOR_ENV, MetricsWriter, processAlive } from './counters-writer.js';
export type { CountersMetadata, MetricDescriptor, MetricsWriterOptions } from './counters-writer.js';
export { CountersReader, histogramPercentile, histogramQuantile, labelValue, openCounters, readSystemCounters, sampleKey, sampleValue, tryOpenCounters } from './counters-reader.js';
export type { ComponentSnapshot, CounterSample, HistogramSample, MetricLabels } from './counters-reader.js';
export { publishSendBufferHold } from './send-buffer-metrics.js';
export { formatBytes, formatCount, formatMicros, textTable } from './text-table.js';
