/**
 * Kept for its importers: the registry lives in ./commands/ (docs/design.md §8.3).
 */
export { AccountId, EventTimeMs, checkPayload, COMMAND_SCHEMAS, DestroyRoomPayload, KNOWN_COMMANDS } from './commands/index.ts'
