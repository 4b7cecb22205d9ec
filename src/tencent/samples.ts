/**
 * Kept for its importers: the samples live with their commands in ./commands/ (docs/design.md §8.3).
 */
export { sampleBody } from './commands/index.ts'
